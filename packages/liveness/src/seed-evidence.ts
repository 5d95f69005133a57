import { err, ok, P2pError, type Result } from "@p2p/wire";
import { type DirectoryRecord, undirectedNeighbours } from "./directory.js";
import type { LivenessErrorCode } from "./errors.js";
import { type DeadEvidence, DeadEvidenceSchema } from "./messages.js";
import {
  DEFAULT_ROUND_WINDOW_MS,
  type MembershipView,
  SEED_PROBE_HINT_BELOW,
  validateDeadEvidence,
} from "./validator.js";
import type { SignatureCache, VerifySignature } from "./vote.js";

/** A member record of the seeds' directory, as a seed checks evidence against it. */
export interface SeedDirectoryRecord extends DirectoryRecord {
  readonly incarnation: number;
  readonly publicKey?: string | undefined;
}

/** The outcome of a seed's own probe (what its prober reported to its registry). */
export interface SeedProbeOutcome {
  readonly address: string;
  readonly incarnation: number;
  readonly isAlive: boolean;
  /** Monotonic time the probe began. */
  readonly atMs: number;
}

/** Everything besides the evidence that a seed's check looks at — all of it arguments. */
export interface SeedEvidenceContext {
  /** Monotonic time of the input being handled. */
  readonly now: number;
  /** Wall-clock time (ms since the epoch), for vote freshness. */
  readonly wallTimeMs: number;
  /** The seed's local view of the directory. */
  readonly records: readonly SeedDirectoryRecord[];
  /** The seed's latest own probe outcome per address. */
  readonly probeResults: ReadonlyMap<string, SeedProbeOutcome>;
  /**
   * The latest checked alive vote per suspect that this seed received (from the voter or
   * relayed by another seed), as an outcome with `isAlive: true` and `atMs` the time it was
   * received (the seed prober's `alive-vote-recorded` output).
   */
  readonly aliveVotes: ReadonlyMap<string, SeedProbeOutcome>;
}

/** Options of {@link createSeedEvidenceValidator}. */
export interface SeedEvidenceOptions {
  /** The round window: votes older than this (or further in the future) are stale. Default 60 s. */
  readonly maxVoteAgeMs?: number;
  /**
   * A live neighbour whose own probe by this seed got no answer this recently cannot vote and
   * is not waited for. Default 10 s (the seed prober's `probeReuseMs`).
   */
  readonly probeReuseMs?: number;
  /**
   * A failed probe of the suspect counts as the seeds' verdict for this long, and an alive vote
   * about it blocks a removal for this long (unless a later own probe failed). Default 60 s.
   */
  readonly probeVerdictMs?: number;
  readonly signatureCache?: SignatureCache;
  /** Checks the votes' signatures (default: `@noble/curves`; a Node host injects node:crypto's). */
  readonly verify?: VerifySignature;
}

/**
 * The seeds' membership view for checking votes about `suspect`: the directory, where a live
 * member (other than the suspect) that `isUnresponsive` counts as dead — it cannot vote.
 */
export function seedMembershipView(
  records: readonly SeedDirectoryRecord[],
  suspect: string,
  isUnresponsive: (member: string) => boolean,
): MembershipView {
  const byAddress = new Map(records.map((record) => [record.address, record]));
  return {
    neighboursOf: (member) => undirectedNeighbours(member, records),
    publicKeyOf: (member) => byAddress.get(member)?.publicKey,
    statusOf: (member) => {
      const record = byAddress.get(member);
      if (record === undefined) return undefined;
      const isAlive = record.status === "alive" && (member === suspect || !isUnresponsive(member));
      return { status: isAlive ? "alive" : "dead", incarnation: record.incarnation };
    },
  };
}

/** The (mutual) neighbours of `member` that `records` list alive. */
function liveNeighbours(member: string, records: readonly SeedDirectoryRecord[]): string[] {
  const status = new Map(records.map((record) => [record.address, record.status]));
  return undirectedNeighbours(member, records).filter(
    (neighbour) => status.get(neighbour) === "alive",
  );
}

/** True when `member` is alive in `records` but has no live neighbour left. */
export function isOrphan(member: string, records: readonly SeedDirectoryRecord[]): boolean {
  return liveNeighbours(member, records).length === 0;
}

/**
 * True when a seed obeys a peer's hint to probe `suspect` now: `from` is a live neighbour of a
 * suspect that `records` list alive at `incarnation` with fewer than `SEED_PROBE_HINT_BELOW`
 * live neighbours (one the seeds' own probe is likely to decide).
 */
export function obeysProbeHint(
  from: string,
  suspect: string,
  incarnation: number,
  records: readonly SeedDirectoryRecord[],
): boolean {
  const record = records.find((candidate) => candidate.address === suspect);
  if (record?.status !== "alive" || record.incarnation !== incarnation) return false;
  const neighbours = liveNeighbours(suspect, records);
  return neighbours.includes(from) && neighbours.length < SEED_PROBE_HINT_BELOW;
}

/** The round id of a seed's own removal proposal for an orphan (it carries no votes). */
const NO_ROUND = "0000000000000000";

/** The evidence of seed `reporter`'s removal proposal for an orphan: no votes, its own probe. */
export function orphanEvidence(
  suspect: string,
  incarnation: number,
  reporter: string,
): DeadEvidence {
  return {
    suspect,
    incarnation,
    round: NO_ROUND,
    reporter,
    votes: [],
    insufficientNeighbours: true,
  };
}

/**
 * True when `evidence` cannot carry a neighbour majority (the reporter said so, or too few
 * live neighbours are left to vote): the seeds must probe the suspect themselves.
 */
export function needsSeedProbe(
  evidence: DeadEvidence,
  view: MembershipView,
  options: {
    readonly wallTimeMs: number;
    readonly maxVoteAgeMs: number;
    readonly verify?: VerifySignature | undefined;
  },
): boolean {
  if (evidence.insufficientNeighbours) return true;
  const verdict = validateDeadEvidence(evidence, view, {
    nowMs: options.wallTimeMs,
    maxVoteAgeMs: options.maxVoteAgeMs,
    ...(options.verify === undefined ? {} : { verify: options.verify }),
  });
  return verdict.verdict === "needs-probe";
}

/**
 * The evidence check of a seed's registry, a pure function of its arguments. Accepts a
 * neighbour majority of valid signed dead votes ({@link validateDeadEvidence}); where too few
 * neighbours can vote, or none is left (an orphan, reported with no votes), only this seed's
 * own recent failed probe of that incarnation decides.
 */
export function createSeedEvidenceValidator(
  options: SeedEvidenceOptions = {},
): (subject: SeedDirectoryRecord, evidence: unknown, context: SeedEvidenceContext) => Result<void> {
  const maxVoteAgeMs = options.maxVoteAgeMs ?? DEFAULT_ROUND_WINDOW_MS;
  const probeReuseMs = options.probeReuseMs ?? 10_000;
  const probeVerdictMs = options.probeVerdictMs ?? 60_000;
  return (subject, evidence, context) => {
    const parsed = DeadEvidenceSchema.safeParse(evidence);
    if (!parsed.success) {
      return err(
        new P2pError<LivenessErrorCode>(
          "EVIDENCE_INVALID",
          "dead evidence does not match its schema",
        ),
      );
    }
    if (parsed.data.suspect !== subject.address) {
      return err(
        new P2pError<LivenessErrorCode>("EVIDENCE_INVALID", "evidence names another suspect"),
      );
    }
    const { now, records, probeResults, aliveVotes } = context;
    const isRecent = (outcome: SeedProbeOutcome | undefined): outcome is SeedProbeOutcome =>
      outcome !== undefined &&
      outcome.incarnation === subject.incarnation &&
      now - outcome.atMs < probeVerdictMs;
    /** A recent alive vote about the subject, unless this seed's own probe failed after it. */
    const aliveVote = aliveVotes.get(subject.address);
    const isAliveVoteStanding = isRecent(aliveVote);
    const ownProbeFoundDead = (): boolean => {
      const probe = probeResults.get(subject.address);
      return (
        isRecent(probe) && !probe.isAlive && (!isAliveVoteStanding || probe.atMs >= aliveVote.atMs)
      );
    };
    if (parsed.data.votes.length === 0) {
      // Nobody is left to vote (every neighbour is gone): only this seed's own probe decides.
      if (isOrphan(subject.address, records) && ownProbeFoundDead()) return ok(undefined);
      return err(
        new P2pError<LivenessErrorCode>(
          "EVIDENCE_REJECTED",
          "no-votes: the report carries no votes",
        ),
      );
    }
    const isUnresponsive = (member: string): boolean => {
      const probe = probeResults.get(member);
      return probe !== undefined && !probe.isAlive && now - probe.atMs < probeReuseMs;
    };
    const verdict = validateDeadEvidence(
      parsed.data,
      seedMembershipView(records, subject.address, isUnresponsive),
      {
        nowMs: context.wallTimeMs,
        maxVoteAgeMs,
        ...(options.signatureCache === undefined ? {} : { signatureCache: options.signatureCache }),
        ...(options.verify === undefined ? {} : { verify: options.verify }),
      },
    );
    switch (verdict.verdict) {
      case "accept":
        // A neighbour reached the suspect (its alive vote came to the seeds, whatever the
        // reporter sent): the seeds' own probe decides.
        if (!isAliveVoteStanding || ownProbeFoundDead()) return ok(undefined);
        return err(
          new P2pError<LivenessErrorCode>(
            "EVIDENCE_NEEDS_PROBE",
            "alive-vote: a neighbour voted the suspect alive; the seeds have not yet probed it since",
          ),
        );
      case "needs-probe":
        // Too few neighbours for a majority of two witnesses: this seed's own probe decides.
        if (ownProbeFoundDead()) return ok(undefined);
        return err(
          new P2pError<LivenessErrorCode>(
            "EVIDENCE_NEEDS_PROBE",
            "the seeds have not yet probed the suspect",
          ),
        );
      case "no-op":
        return err(new P2pError<LivenessErrorCode>("EVIDENCE_NO_OP", verdict.detail));
      case "reject":
        return err(
          new P2pError<LivenessErrorCode>(
            "EVIDENCE_REJECTED",
            `${verdict.reason}: ${verdict.detail}`,
          ),
        );
    }
  };
}
