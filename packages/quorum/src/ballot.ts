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
