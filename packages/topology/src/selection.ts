import { P2pError, type RandomSource } from "@p2p/wire";
import type { TopologyErrorCode } from "./errors.js";

/** A member a joining peer may link to, with its current (undirected) degree. */
export interface NeighbourCandidate {
  readonly address: string;
  readonly degree: number;
}

/** Input of {@link chooseNeighbours}. */
export interface ChooseNeighboursInput {
  /** The joining peer's own address; never chosen. */
  readonly joiner: string;
  /** Known members and their degrees, in any order (duplicates keep the highest degree). */
  readonly candidates: readonly NeighbourCandidate[];
  /** How many neighbours to choose (an integer ≥ 1). */
  readonly k: number;
  /** Injected randomness. */
  readonly random: RandomSource;
  /**
   * The attachment shift a: a candidate weighs max(degree, floorDegree) + a. Default 1 (weights
   * degree + 1). The overlay passes k(α − 3) for its target exponent α (see `shiftForExponent`).
   */
  readonly shift?: number;
  /**
   * Degrees below this count as this (default 0): the overlay passes its target degree, so a
   * member still short of neighbours weighs as a newcomer with a full set, as in the growth
   * model. `floorDegree + shift` must be > 0.
   */
  readonly floorDegree?: number;
}

/**
 * Preferential attachment: chooses `min(k, candidates)` distinct neighbours, each pick
 * with probability proportional to max(degree, floorDegree) + shift (default degree + 1)
 * among the candidates not yet picked
 * (successive sampling without replacement). The joiner itself is never chosen.
 *
 * - With fewer than `k` eligible candidates, all of them are returned (sorted by address).
 * - With at least one eligible candidate, at least one is returned, so every joiner links to
 *   the existing overlay and the overlay stays connected.
 * - Candidates are sorted by address first, so the result depends only on the candidate set
 *   and the random stream, not on input order: a seed replays exactly.
 *
 * Throws `P2pError` (`ARGUMENT_INVALID`) on a caller mistake: k not a positive
 * integer, a degree that is negative or not an integer, or a weight that could be ≤ 0.
 */
export function chooseNeighbours(input: ChooseNeighboursInput): string[] {
  const { joiner, candidates, k, random } = input;
  if (!Number.isInteger(k) || k < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `k must be a positive integer, got ${k}`,
    );
  }
  const shift = input.shift ?? 1;
  const floorDegree = input.floorDegree ?? 0;
  if (!Number.isFinite(shift) || !Number.isFinite(floorDegree) || !(floorDegree + shift > 0)) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `floorDegree + shift must be > 0, got ${floorDegree} + ${shift}`,
    );
  }
  const byAddress = new Map<string, number>();
  for (const candidate of candidates) {
    if (!Number.isInteger(candidate.degree) || candidate.degree < 0) {
      throw new P2pError<TopologyErrorCode>(
        "ARGUMENT_INVALID",
        `degree of ${candidate.address} must be a non-negative integer, got ${candidate.degree}`,
      );
    }
    if (candidate.address === joiner) continue;
    const known = byAddress.get(candidate.address);
    if (known === undefined || candidate.degree > known) {
      byAddress.set(candidate.address, candidate.degree);
    }
  }
  const addresses = [...byAddress.keys()].sort();
  if (addresses.length <= k) return addresses;

  const weights = addresses.map(
    (address) => Math.max(byAddress.get(address) ?? 0, floorDegree) + shift,
  );
  let remainingWeight = weights.reduce((sum, weight) => sum + weight, 0);
  const chosen: string[] = [];
  for (let pick = 0; pick < k; pick++) {
    let target = random.next() * remainingWeight;
    let index = 0;
    let fallback = -1;
    for (; index < weights.length; index++) {
      const weight = weights[index] ?? 0;
      if (weight === 0) continue;
      fallback = index;
      if (target < weight) break;
      target -= weight;
    }
    // Floating-point rounding can run past the end: take the last remaining candidate.
    if (index >= weights.length) index = fallback;
    chosen.push(addresses[index] as string);
    remainingWeight -= weights[index] ?? 0;
    weights[index] = 0;
  }
  return chosen;
}

/**
 * The candidates a peer without neighbours may pick: those that already have a neighbour,
 * when any do, else all of them (the first peers of a network). Every newcomer then hangs off
 * the part of the overlay that is linked already, so newcomers that picked only each other
 * cannot form an island.
 */
export function attachedOrAll(
  candidates: readonly NeighbourCandidate[],
): readonly NeighbourCandidate[] {
  const attached = candidates.filter((candidate) => candidate.degree > 0);
  return attached.length > 0 ? attached : candidates;
}
