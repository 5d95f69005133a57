import { undirectedNeighbours } from "./directory.js";
import { type SignedVote, SignedVoteSchema } from "./messages.js";
import type { SeedDirectoryRecord } from "./seed-evidence.js";
import { type VerifySignature, verifyVote } from "./vote.js";

/** The alive votes counted about one suspect (at one incarnation). */
interface Counted {
  readonly incarnation: number;
  /** When the latest one was counted. */
  atMs: number;
  /** Voters counted, with when; each counts once per `aliveVoteMs`. */
  readonly voters: Map<string, number>;
}

/** Limits of {@link createAliveVotes} (the seed prober's config). */
export interface AliveVoteLimits {
  /** An alive vote stands this long; a voter counts once per suspect in it. */
  readonly aliveVoteMs: number;
  /** The round window: a vote issued further than this from the seed's clock is not counted. */
  readonly maxVoteAgeMs: number;
  /** Most suspects with standing alive votes (the oldest is forgotten first). */
  readonly maxEntries: number;
}

/**
 * A seed's table of checked alive votes, per suspect, oldest first. A vote counts only when it
 * is a well-formed alive vote by a live mutual neighbour of a live suspect at that incarnation,
 * issued within the round window, signed by the voter's registered key, and the voter has not
 * been counted about that suspect in the last `aliveVoteMs`. `verify` checks the signatures
 * (default: `@noble/curves`).
 */
export function createAliveVotes(limits: AliveVoteLimits, verify?: VerifySignature) {
  const table = new Map<string, Counted>();
  return {
    /**
     * Counts `input` (unknown, checked here) at `now` (monotonic) with `wallTimeMs` for the
     * round window; returns the vote when it counted, else undefined.
     */
    count(
      input: unknown,
      records: readonly SeedDirectoryRecord[],
      now: number,
      wallTimeMs: number,
    ): SignedVote | undefined {
      const parsed = SignedVoteSchema.safeParse(input);
      if (!parsed.success || parsed.data.verdict !== "alive") return undefined;
      const vote = parsed.data;
      const byAddress = new Map(records.map((record) => [record.address, record]));
      const suspect = byAddress.get(vote.suspect);
      const voter = byAddress.get(vote.voter);
      if (
        suspect?.status !== "alive" ||
        suspect.incarnation !== vote.incarnation ||
        voter?.status !== "alive" ||
        voter.publicKey === undefined ||
        Math.abs(wallTimeMs - vote.issuedAtMs) > limits.maxVoteAgeMs ||
        !undirectedNeighbours(vote.suspect, records).includes(vote.voter)
      ) {
        return undefined;
      }
      const known = table.get(vote.suspect);
      const counted =
        known?.incarnation === vote.incarnation
          ? known
          : { incarnation: vote.incarnation, atMs: now, voters: new Map<string, number>() };
      const lastCounted = counted.voters.get(vote.voter);
      if (lastCounted !== undefined && now - lastCounted < limits.aliveVoteMs) return undefined;
      if (!verifyVote(vote, voter.publicKey, undefined, verify)) return undefined;
      counted.voters.set(vote.voter, now);
      counted.atMs = now;
      table.delete(vote.suspect); // re-inserted last: the table stays oldest first
      table.set(vote.suspect, counted);
      if (table.size > limits.maxEntries) {
        const oldest = table.keys().next().value;
        if (oldest !== undefined) table.delete(oldest);
      }
      return vote;
    },
    /** When an alive vote about `address` at `incarnation` was last counted, if it stands. */
    latestAt(address: string, incarnation: number): number | undefined {
      const counted = table.get(address);
      return counted?.incarnation === incarnation ? counted.atMs : undefined;
    },
    /** Forgets the votes that no longer stand at `now`. */
    expire(now: number): void {
      for (const [address, counted] of table) {
        if (now - counted.atMs >= limits.aliveVoteMs) table.delete(address);
      }
    },
  };
}
