import { P2pError, type RandomSource } from "@p2p/wire";
import type { TopologyErrorCode } from "./errors.js";
import { type Graph, graphFromEdgeArrays } from "./graph.js";

/** Input of {@link growNetwork}. */
export interface GrowNetworkInput {
  /** Number of peers that join, one after another (an integer ≥ 1). */
  readonly nodes: number;
  /** Neighbours each joiner picks (an integer ≥ 1); early joiners link to all members when fewer exist. */
  readonly k: number;
  /** Injected randomness. */
  readonly random: RandomSource;
  /** Called every `progressEvery` joins and at the end with (joined, total). */
  readonly onProgress?: (joined: number, total: number) => void;
  /** Progress callback interval in joins. Default 10,000. */
  readonly progressEvery?: number;
  /**
   * The attachment shift a: each pick is made with probability ∝ (degree + a), a > −k (from
   * the (k+1)-th joiner on, every node has degree ≥ k). The degree tail then follows a power
   * law with exponent 3 + a/k ({@link exponentOfShift}). Default: the shift of
   * {@link DEFAULT_EXPONENT}, k(2.8 − 3), as the peers pick.
   */
  readonly shift?: number;
}

/**
 * The degree exponent the overlay aims at unless told otherwise. Fitted on grown networks of
 * 10³ to 10⁶ nodes (k = 2, 20 seeds each) it reads 2.55–2.77: inside [2.5, 3.2] at every size,
 * where pure preferential attachment drifts from 2.5 to 2.95 and weights degree + 1 (the
 * exponent 3.5) from 2.6 to 3.4.
 */
export const DEFAULT_EXPONENT = 2.8;

/**
 * The degree exponent that shifted preferential attachment tends to as the network grows:
 * with k links per joiner and weights degree + a, P(d) ∝ d^−(3 + a/k) (Dorogovtsev, Mendes and
 * Samukhin 2000). Pure preferential attachment (a = 0) gives 3.
 */
export function exponentOfShift(shift: number, k: number): number {
  return 3 + shift / k;
}

/**
 * The attachment shift a = k(α − 3) whose degree tail tends to exponent α (the inverse of
 * {@link exponentOfShift}). α must be > 2, so that every weight degree + a with degree ≥ k is
 * positive.
 */
export function shiftForExponent(alpha: number, k: number): number {
  if (!(alpha > 2) || !Number.isFinite(alpha)) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `the exponent must be a finite number > 2, got ${alpha}`,
    );
  }
  return k * (alpha - 3);
}

/**
 * Grows an overlay the way our peers join: node i (0-based) links to min(k, i) distinct
 * earlier nodes, each pick with probability ∝ (degree + a) — the distribution of
 * {@link chooseNeighbours} with the same shift. Runs in O(nodes × k) expected time: for a ≥ 0
 * a pick draws uniformly from the concatenation of the edge-endpoint list (each node appears
 * `degree` times) and the node list weighted a; for a < 0 it draws an edge endpoint and keeps
 * it with probability (degree + a) / degree. A repeat of an already chosen node is redrawn,
 * which is exactly successive sampling without replacement.
 */
export function growNetwork(input: GrowNetworkInput): Graph {
  const { nodes, k, random, onProgress } = input;
  const progressEvery = input.progressEvery ?? 10_000;
  const shift = input.shift ?? shiftForExponent(DEFAULT_EXPONENT, k);
  if (!(shift > -k) || !Number.isFinite(shift)) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `shift must be a finite number > −k (${-k}), got ${shift}`,
    );
  }
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `nodes must be a positive integer, got ${nodes}`,
    );
  }
  if (!Number.isInteger(k) || k < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `k must be a positive integer, got ${k}`,
    );
  }
  const maxEdges = nodes * k;
  const sources = new Int32Array(maxEdges);
  const targets = new Int32Array(maxEdges);
  // endpoints[0 .. 2 × edgeCount) lists every edge end; a node appears once per unit of degree.
  const endpoints = new Int32Array(maxEdges * 2);
  const degree = new Int32Array(nodes);
  let edgeCount = 0;
  const chosen = new Int32Array(k);
  for (let joiner = 0; joiner < nodes; joiner++) {
    const picks = Math.min(k, joiner);
    if (picks === joiner) {
      for (let v = 0; v < joiner; v++) chosen[v] = v;
    } else {
      const endpointCount = edgeCount * 2;
      const totalWeight = endpointCount + Math.max(shift, 0) * joiner;
      let taken = 0;
      while (taken < picks) {
        const draw = random.next() * totalWeight;
        let candidate: number;
        if (draw < endpointCount) {
          candidate = endpoints[Math.floor(draw)] as number;
          // a < 0: an endpoint stands for weight 1 of its node's degree; keep (degree + a)/degree.
          if (shift < 0) {
            const own = degree[candidate] as number;
            if (random.next() * own >= own + shift) continue;
          }
        } else {
          candidate = Math.min(joiner - 1, Math.floor((draw - endpointCount) / shift));
        }
        let isRepeat = false;
        for (let i = 0; i < taken; i++) {
          if (chosen[i] === candidate) {
            isRepeat = true;
            break;
          }
        }
        if (!isRepeat) chosen[taken++] = candidate;
      }
    }
    for (let i = 0; i < picks; i++) {
      const neighbour = chosen[i] as number;
      sources[edgeCount] = neighbour;
      targets[edgeCount] = joiner;
      endpoints[edgeCount * 2] = neighbour;
      endpoints[edgeCount * 2 + 1] = joiner;
      degree[neighbour] = (degree[neighbour] as number) + 1;
      degree[joiner] = (degree[joiner] as number) + 1;
      edgeCount++;
    }
    if (onProgress !== undefined && ((joiner + 1) % progressEvery === 0 || joiner + 1 === nodes)) {
      onProgress(joiner + 1, nodes);
    }
  }
  return graphFromEdgeArrays(nodes, sources.slice(0, edgeCount), targets.slice(0, edgeCount));
}

/**
 * Baseline for benchmarks and comparisons: the same growth with uniform attachment (each
 * pick equally likely among earlier nodes), which yields an exponential degree tail.
 */
export function growUniformNetwork(input: GrowNetworkInput): Graph {
  const { nodes, k, random } = input;
  if (!Number.isInteger(nodes) || nodes < 1 || !Number.isInteger(k) || k < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `nodes and k must be positive integers, got ${nodes}, ${k}`,
    );
  }
  const sources: number[] = [];
  const targets: number[] = [];
  const chosen: number[] = [];
  for (let joiner = 1; joiner < nodes; joiner++) {
    const picks = Math.min(k, joiner);
    chosen.length = 0;
    while (chosen.length < picks) {
      const candidate = Math.floor(random.next() * joiner);
      if (!chosen.includes(candidate)) chosen.push(candidate);
    }
    for (const neighbour of chosen) {
      sources.push(neighbour);
      targets.push(joiner);
    }
    input.onProgress?.(joiner + 1, nodes);
  }
  return graphFromEdgeArrays(nodes, Int32Array.from(sources), Int32Array.from(targets));
}
