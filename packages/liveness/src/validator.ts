import type { DeadEvidence } from "./messages.js";
import {
  createSignatureCache,
  type SignatureCache,
  type VerifySignature,
  verifyVote,
} from "./vote.js";

/** What the seeds know about a member. */
export interface MemberStatus {
  readonly status: "alive" | "dead";
  readonly incarnation: number;
}

/** The seeds' view of the membership, as the validator needs it. */
export interface MembershipView {
  /** The undirected neighbour set: the member's own advertised list ∪ the members that list it. */
  neighboursOf(address: string): readonly string[];
  /** The Ed25519 public key (hex) registered in the member record. */
  publicKeyOf(address: string): string | undefined;
  /** The member's status, or undefined for an unknown address. */
  statusOf(address: string): MemberStatus | undefined;
}

/** Why evidence was rejected. */
export type RejectReason =
  | "no-votes"
  | "forged-signature"
  | "unknown-voter"
  | "voter-not-neighbour"
  | "duplicate-voter"
  | "mismatched-vote"
  | "alive-vote"
  | "too-few-votes"
  | "stale"
  | "unknown-incarnation";

/** The validator's verdict. */
export type EvidenceVerdict =
  /** Enough valid dead votes from the suspect's neighbours: commit the removal. */
  | { verdict: "accept"; deadVotes: number; neighbours: number }
  /** Not enough (or bad) evidence: change nothing. */
  | { verdict: "reject"; reason: RejectReason; detail: string }
  /** The votes are valid, but the suspect has too few live neighbours for a majority of ≥ 2 witnesses: probe it. */
  | { verdict: "needs-probe"; deadVotes: number; neighbours: number }
  /** Unknown suspect, already dead, or an older incarnation: nothing to do, not an error. */
  | { verdict: "no-op"; detail: string };

/** Options of {@link validateDeadEvidence}. */
export interface ValidateOptions {
  /** The validating seed's wall-clock time. */
  readonly nowMs: number;
  /**
   * The round window: votes older than this (or further than this in the future) are stale.
   * The seeds use 60 s (see {@link DEFAULT_ROUND_WINDOW_MS}).
   */
  readonly maxVoteAgeMs: number;
  /** Memo of verified signatures; a shared module-level one when omitted. */
  readonly signatureCache?: SignatureCache;
  /** Checks each vote's signature (default: `@noble/curves`; a Node host injects node:crypto's). */
  readonly verify?: VerifySignature;
}

/**
 * How long a vote round stays current at the seeds: every vote of a report must have been
 * issued within this long of the validating seed's wall clock (either way). It covers a
 * `standard` vote round (up to 30 s) plus the report's way to a quorum, with room for modest
 * clock skew; a peer whose clock is further off cannot help remove anyone (safe, not live).
 */
export const DEFAULT_ROUND_WINDOW_MS = 60_000;

/** Fewest distinct witnesses a removal needs: one peer alone can never remove another. */
export const MIN_WITNESSES = 2;
/**
 * A suspect with fewer neighbours than this (its suspecting neighbour included) is one the
 * seeds will most likely have to probe themselves: its neighbour asks them to begin at once.
 */
export const SEED_PROBE_HINT_BELOW = 3;

const sharedCache = createSignatureCache(10_000);

/** Dead votes needed among `neighbourCount` neighbours: a strict majority, and at least {@link MIN_WITNESSES}. */
export function requiredDeadVotes(neighbourCount: number): number {
  return Math.max(MIN_WITNESSES, Math.floor(neighbourCount / 2) + 1);
}

/**
 * The seeds' check of a dead report (called by every quorum acceptor for every alive→dead
 * transition). Accepts only when valid signed dead votes, from distinct current neighbours of
 * the suspect, form a strict majority of its live neighbours and number at least two — all of
 * the report's one round, each issued within the round window of `options.nowMs`. A vote from
 * a member that is not a neighbour here is not counted (a forged, stale or other-round vote
 * still rejects the whole report).
 */
export function validateDeadEvidence(
  evidence: DeadEvidence,
  view: MembershipView,
  options: ValidateOptions,
): EvidenceVerdict {
  const cache = options.signatureCache ?? sharedCache;
  const member = view.statusOf(evidence.suspect);
  if (member === undefined)
    return { verdict: "no-op", detail: `unknown member ${evidence.suspect}` };
  if (member.status === "dead")
    return { verdict: "no-op", detail: `${evidence.suspect} is already dead` };
  if (evidence.incarnation < member.incarnation) {
    return {
      verdict: "no-op",
      detail: `evidence is about incarnation ${evidence.incarnation}, the member is at ${member.incarnation}`,
    };
  }
  const reject = (reason: RejectReason, detail: string): EvidenceVerdict => ({
    verdict: "reject",
    reason,
    detail,
  });
  if (evidence.incarnation > member.incarnation) {
    return reject(
      "unknown-incarnation",
      `incarnation ${evidence.incarnation} was never registered`,
    );
  }
  if (evidence.votes.length === 0) return reject("no-votes", "the report carries no votes");

  const neighbours = new Set(
    view
      .neighboursOf(evidence.suspect)
      .filter(
        (address) => address !== evidence.suspect && view.statusOf(address)?.status !== "dead",
      ),
  );
  const voters = new Set<string>();
  const ignored = new Set<string>();
  for (const vote of evidence.votes) {
    if (
      vote.suspect !== evidence.suspect ||
      vote.incarnation !== evidence.incarnation ||
      vote.round !== evidence.round
    ) {
      return reject(
        "mismatched-vote",
        `vote by ${vote.voter} is about ${vote.suspect}#${vote.incarnation} in round ${vote.round}, the report about round ${evidence.round}`,
      );
    }
    if (vote.verdict !== "dead") return reject("alive-vote", `${vote.voter} voted alive`);
    if (voters.has(vote.voter) || ignored.has(vote.voter)) {
      return reject("duplicate-voter", `${vote.voter} voted twice`);
    }
    if (!neighbours.has(vote.voter)) {
      // Not a (mutual, live) neighbour here: the vote does not count. The reporter's snapshot
      // of the directory may be a moment older than this seed's, so it is not a forgery.
      ignored.add(vote.voter);
      continue;
    }
    voters.add(vote.voter);
    const age = options.nowMs - vote.issuedAtMs;
    if (age > options.maxVoteAgeMs || age < -options.maxVoteAgeMs) {
      return reject("stale", `vote by ${vote.voter} was issued ${age} ms ago`);
    }
    const publicKey = view.publicKeyOf(vote.voter);
    if (publicKey === undefined)
      return reject("unknown-voter", `no public key registered for ${vote.voter}`);
    if (!verifyVote(vote, publicKey, cache, options.verify)) {
      return reject("forged-signature", `the signature of ${vote.voter}'s vote does not verify`);
    }
  }
  const deadVotes = voters.size;
  if (neighbours.size < MIN_WITNESSES)
    return { verdict: "needs-probe", deadVotes, neighbours: neighbours.size };
  const required = requiredDeadVotes(neighbours.size);
  if (deadVotes < required) {
    return reject(
      ignored.size > 0 && deadVotes === 0 ? "voter-not-neighbour" : "too-few-votes",
      `${deadVotes} dead votes, ${required} needed of ${neighbours.size} neighbours` +
        (ignored.size > 0 ? ` (${ignored.size} from non-neighbours, not counted)` : ""),
    );
  }
  return { verdict: "accept", deadVotes, neighbours: neighbours.size };
}
