import { type RandomSource, shuffled } from "@p2p/wire";

/**
 * A Paxos ballot: totally ordered by `counter`, then by `proposer` (the seed id), so two
 * seeds never use the same ballot.
 */
export interface Ballot {
  readonly counter: number;
  readonly proposer: string;
}

/** The ballot below every real ballot (what a fresh acceptor has promised). */
export const zeroBallot: Ballot = Object.freeze({ counter: 0, proposer: "" });

/** Negative when `a` < `b`, zero when equal, positive when `a` > `b`. */
export function compareBallots(a: Ballot, b: Ballot): number {
  if (a.counter !== b.counter) return a.counter < b.counter ? -1 : 1;
  if (a.proposer === b.proposer) return 0;
  return a.proposer < b.proposer ? -1 : 1;
}

/** The larger of two ballots. */
export function maxBallot(a: Ballot, b: Ballot): Ballot {
  return compareBallots(a, b) >= 0 ? a : b;
}

/**
 * The highest ballot counter an acceptor promises or accepts and a proposer learns (2^48).
 * Honest proposers advance by at most a few per operation, so they never come near it; a
 * reply or a prepare claiming more is ignored, so no message can push a proposer to where
 * `counter + 1 === counter` (a wedged proposer that can never outbid anyone again).
 */
export const MAX_BALLOT_COUNTER = 2 ** 48;

/** True when `ballot.counter` is a whole number from 0 to {@link MAX_BALLOT_COUNTER}. */
export function isBallotInRange(ballot: Ballot): boolean {
  return (
    Number.isSafeInteger(ballot.counter) &&
    ballot.counter >= 0 &&
    ballot.counter <= MAX_BALLOT_COUNTER
  );
}

/**
 * The seed that may write a new `key` at ballot 0 (counter 0, no prepare): one of `seeds`,
 * the same at every seed that has the same seed list (in any order), spread over the seeds by
 * a hash of the key (32-bit FNV-1a of its UTF-16 code units).
 */
export function keyOwner(key: string, seeds: readonly string[]): string | undefined {
  const sorted = [...new Set(seeds)].sort();
  if (sorted.length === 0) return undefined;
  let hash = 0x811c9dc5;
  for (let index = 0; index < key.length; index++) {
    hash ^= key.charCodeAt(index);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return sorted[hash % sorted.length];
}

/**
 * The order in which a change of `key` tries `seeds`: its owner seed first ({@link keyOwner}),
 * then the others in a random order drawn from `random`.
 */
export function ownerFirstOrder(
  key: string,
  seeds: readonly string[],
  random: RandomSource,
): string[] {
  const owner = keyOwner(key, seeds);
  const others = shuffled(
    random,
    seeds.filter((seed) => seed !== owner),
  );
  return owner === undefined ? others : [owner, ...others];
}
