import { err, ok, P2pError, type Result } from "@p2p/wire";
import type { TransitionValidator } from "./acceptor.js";
import type { QuorumErrorCode } from "./errors.js";
import type { MemberRecord, RequestProof } from "./messages.js";
import type { Change } from "./proposer.js";
import { isRequestSigned, type VerifySignature } from "./request-proof.js";

/** The outcome of this seed's own probe of a member (a `probe-result` input of the registry). */
export interface ProbeResult {
  readonly address: string;
  readonly incarnation: number;
  readonly isAlive: boolean;
  /** Monotonic time the probe began. */
  readonly atMs: number;
}

/**
 * Everything an evidence validator may look at besides the evidence, all of it from the
 * registry's inputs: the time of the input being handled, this seed's local view of the
 * directory, and the outcomes of this seed's own recent probes.
 */
export interface EvidenceContext {
  /** Monotonic time of the input being handled. */
  readonly now: number;
  /** Wall-clock time of the input being handled (ms since the epoch), for vote freshness. */
  readonly wallTimeMs: number;
  /** This seed's local view of every record (tombstones included), sorted by address. */
  readonly records: readonly MemberRecord[];
  /** This seed's latest probe outcome per address (bounded, recent ones only). */
  readonly probeResults: ReadonlyMap<string, ProbeResult>;
  /** The latest alive vote about each address that this seed received (bounded, recent). */
  readonly aliveVotes: ReadonlyMap<string, ProbeResult>;
}

/**
 * Checks the evidence of a removal: a pure function of its arguments. `subject` is the
 * record being marked dead (the acceptor's own record when it has one for that incarnation,
 * so a proposer cannot swap the neighbour list the votes are checked against). Supplied by
 * the host (the liveness package has one); quorum never imports it. An error coded
 * `EVIDENCE_NEEDS_PROBE` says the seed's own probe of the suspect may still decide: the
 * registry proposes such a removal again (see `removalRetries`).
 */
export type EvidenceValidator = (
  subject: MemberRecord,
  evidence: unknown,
  context: EvidenceContext,
) => Result<void>;

/** The context given when the caller supplies none (a bare acceptor in a test). */
const NO_CONTEXT: EvidenceContext = Object.freeze({
  now: 0,
  wallTimeMs: 0,
  records: [],
  probeResults: new Map(),
  aliveVotes: new Map(),
});
const noContext = (): EvidenceContext => NO_CONTEXT;

/** Closed membership: which keys may join. */
export interface MembershipAdmission {
  /**
   * True when `publicKey` (Ed25519, hex) may register. Omitted: open membership (any key that
   * proves its address may join).
   */
  readonly admits?: (publicKey: string) => boolean;
}

/** Limits the membership rules enforce. */
export interface MembershipLimits {
  readonly maxNeighbours: number;
}

const isTombstone = (record: MemberRecord): boolean => record.status !== "alive";

const sameNeighbours = (a: readonly string[], b: readonly string[]): boolean =>
  a.length === b.length && a.every((value, index) => value === b[index]);

/** A neighbour list in canonical form: unique, sorted, without the peer itself. */
export function normaliseNeighbours(address: string, neighbours: readonly string[]): string[] {
  return [...new Set(neighbours)].filter((neighbour) => neighbour !== address).sort();
}

const invalid = (message: string) =>
  err(new P2pError<QuorumErrorCode>("TRANSITION_INVALID", message));

/**
 * The acceptor-side rules every proposed transition must satisfy: the key matches the
 * address; incarnations never decrease; a tombstone never returns to alive (or changes kind)
 * within the same incarnation; a record becomes dead only with evidence the evidence
 * validator accepts; an absent value may not overwrite a record. With `admission.admits`
 * (closed membership), a record becomes alive from nothing or from a tombstone only under an
 * admitted key.
 */
export function createMembershipValidator(
  validateEvidence: EvidenceValidator,
  limits: MembershipLimits,
  context: () => EvidenceContext = noContext,
  verify?: VerifySignature,
  admission: MembershipAdmission = {},
): TransitionValidator {
  return (key, current, proposed) => {
    if (proposed === null) {
      return current === undefined ? ok(undefined) : invalid(`${key}: a record cannot be erased`);
    }
    if (proposed.address !== key) return invalid(`${key}: record address ${proposed.address}`);
    if (proposed.neighbours.length > limits.maxNeighbours) {
      return invalid(`${key}: more than ${limits.maxNeighbours} neighbours`);
    }
    if (proposed.status !== "dead" && proposed.evidence !== undefined) {
      return invalid(`${key}: only a dead record carries evidence`);
    }
    const isJoining =
      proposed.status === "alive" && (current === undefined || isTombstone(current));
    if (isJoining && admission.admits !== undefined) {
      if (proposed.publicKey === undefined || !admission.admits(proposed.publicKey)) {
        return invalid(
          `${key}: key ${proposed.publicKey ?? "(none)"} is not admitted (closed membership)`,
        );
      }
    }
    if (current !== undefined) {
      if (proposed.incarnation < current.incarnation) {
        return invalid(
          `${key}: incarnation ${proposed.incarnation} is below ${current.incarnation}`,
        );
      }
      if (
        proposed.incarnation === current.incarnation &&
        isTombstone(current) &&
        proposed.status !== current.status
      ) {
        return invalid(
          `${key}: incarnation ${current.incarnation} is ${current.status}; rejoin as ${current.incarnation + 1}`,
        );
      }
      if (
        proposed.incarnation === current.incarnation &&
        current.publicKey !== undefined &&
        proposed.publicKey !== current.publicKey &&
        !(proposed.status !== "alive" && proposed.publicKey === undefined)
      ) {
        return invalid(`${key}: the public key of an incarnation never changes`);
      }
    }
    const alreadyDead =
      current !== undefined &&
      current.status === "dead" &&
      current.incarnation === proposed.incarnation;
    if (proposed.status === "dead" && !alreadyDead) {
      if (proposed.evidence === undefined) return invalid(`${key}: a removal needs evidence`);
      const subject =
        current !== undefined && current.incarnation === proposed.incarnation ? current : proposed;
      const verdict = validateEvidence(subject, proposed.evidence, context());
      if (!verdict.ok) return invalid(`${key}: evidence refused: ${verdict.error.message}`);
    }
    if (verify !== undefined) {
      const problem = proofProblem(current, proposed, verify);
      if (problem !== undefined) return invalid(`${key}: ${problem}`);
    }
    return ok(undefined);
  };
}

/**
 * The transition table's proof rules (when signatures are checked): why `current → proposed`
 * lacks the peer's own signed request, or undefined when it needs none or has a valid one.
 *
 * | transition                              | proof the proposed record must carry              |
 * | --------------------------------------- | ------------------------------------------------- |
 * | none or tombstone → alive               | register, signed by the key being registered       |
 * | alive → alive, other neighbours         | register or neighbours, signed by the record's key |
 * | alive → alive, higher incarnation       | refused: an incarnation changes through a tombstone|
 * | alive → left                            | leave of that incarnation, by the record's key     |
 * | none → left (an acceptor that missed it) | its leave proof, when it carries one              |
 * | → dead                                  | evidence (the evidence validator), no request      |
 */
function proofProblem(
  current: MemberRecord | undefined,
  proposed: MemberRecord,
  verify: VerifySignature,
): string | undefined {
  const proof = proposed.proof;
  const signedBy = (
    kinds: readonly string[],
    publicKey: string | undefined,
  ): string | undefined => {
    if (proof === undefined) return "no signed request from the peer";
    if (!kinds.includes(proof.kind)) return `a ${proof.kind} request cannot make this change`;
    if (proof.address !== proposed.address) return "a request about another address";
    if (publicKey !== undefined && proof.publicKey !== publicKey) {
      return "a request signed by another key than the record's";
    }
    if (!isRequestSigned(proof, verify)) return "the request's signature does not verify";
    return undefined;
  };
  const neighboursOf = (fallback: readonly string[]): readonly string[] =>
    proof?.neighbours === null || proof?.neighbours === undefined
      ? fallback
      : normaliseNeighbours(proposed.address, proof.neighbours);
  if (proposed.status === "dead") return undefined;
  if (proposed.status === "alive") {
    if (current === undefined || isTombstone(current)) {
      if (proposed.publicKey === undefined) return "a registration without the peer's key";
      const problem = signedBy(["register"], proposed.publicKey);
      if (problem !== undefined) return problem;
      return sameNeighbours(neighboursOf([]), proposed.neighbours)
        ? undefined
        : "neighbours that the peer did not send";
    }
    if (proposed.incarnation !== current.incarnation) {
      return "an alive record's incarnation changes only through a tombstone (dead or left)";
    }
    if (sameNeighbours(current.neighbours, proposed.neighbours)) return undefined;
    if (current.publicKey === undefined) return undefined; // a keyless record: nothing to check
    const problem = signedBy(["register", "neighbours"], current.publicKey);
    if (problem !== undefined) return problem;
    return sameNeighbours(neighboursOf(current.neighbours), proposed.neighbours)
      ? undefined
      : "neighbours that the peer did not send";
  }
  // left
  if (current !== undefined && isTombstone(current)) return undefined; // compaction, a repeat
  if (current === undefined) {
    return proof === undefined ? undefined : signedBy(["leave"], proposed.publicKey);
  }
  if (current.publicKey === undefined) return undefined;
  const problem = signedBy(["leave"], current.publicKey);
  if (problem !== undefined) return problem;
  return proof?.incarnation === current.incarnation
    ? undefined
    : "a leave signed for another incarnation";
}

/** Options of a registration. */
export interface RegisterOptions {
  readonly publicKey?: string | undefined;
  readonly neighbours?: readonly string[] | undefined;
  /** The peer's signed request, kept in the record for the acceptors to check. */
  readonly proof?: RequestProof | undefined;
}

/**
 * Register `address`: a new record (incarnation 0), the same record again (idempotent; the
 * neighbour list is replaced when given), or, for a dead/left record, incarnation + 1.
 */
export function registerChange(address: string, options: RegisterOptions, now: number): Change {
  return (current) => {
    const neighbours =
      options.neighbours === undefined
        ? undefined
        : normaliseNeighbours(address, options.neighbours);
    const fresh = (incarnation: number): MemberRecord => ({
      address,
      status: "alive",
      incarnation,
      ...(options.publicKey === undefined ? {} : { publicKey: options.publicKey }),
      neighbours: neighbours ?? [],
      changedAt: now,
      ...(options.proof === undefined ? {} : { proof: options.proof }),
    });
    if (current === undefined) return ok(fresh(0));
    if (isTombstone(current)) return ok(fresh(current.incarnation + 1));
    if (
      options.publicKey !== undefined &&
      current.publicKey !== undefined &&
      options.publicKey !== current.publicKey
    ) {
      return err(
        new P2pError<QuorumErrorCode>(
          "KEY_MISMATCH",
          `${address} is registered with a different public key`,
        ),
      );
    }
    const publicKey = current.publicKey ?? options.publicKey;
    if (
      (neighbours === undefined || sameNeighbours(neighbours, current.neighbours)) &&
      publicKey === current.publicKey
    ) {
      return ok(current);
    }
    return ok({
      ...current,
      ...(publicKey === undefined ? {} : { publicKey }),
      neighbours: neighbours ?? current.neighbours,
      changedAt: now,
      ...(options.proof === undefined ? {} : { proof: options.proof }),
    });
  };
}

/** Replace the neighbour list of an alive record. */
export function updateNeighboursChange(
  address: string,
  neighbours: readonly string[],
  now: number,
  proof?: RequestProof,
): Change {
  return (current) => {
    if (current === undefined || isTombstone(current)) {
      return err(new P2pError<QuorumErrorCode>("NOT_MEMBER", `${address} is not an alive member`));
    }
    const next = normaliseNeighbours(address, neighbours);
    if (sameNeighbours(next, current.neighbours)) return ok(current);
    return ok({
      ...current,
      neighbours: next,
      changedAt: now,
      ...(proof === undefined ? {} : { proof }),
    });
  };
}

/** Mark incarnation `incarnation` of `address` dead with `evidence` (idempotent). */
export function markDeadChange(
  address: string,
  incarnation: number,
  evidence: unknown,
  validateEvidence: EvidenceValidator,
  now: number,
  context: () => EvidenceContext = noContext,
): Change {
  return (current) => {
    if (current === undefined)
      return err(new P2pError<QuorumErrorCode>("NOT_MEMBER", `${address} is unknown`));
    if (current.incarnation !== incarnation) {
      return err(
        new P2pError<QuorumErrorCode>(
          "STALE_INCARNATION",
          `${address} is at incarnation ${current.incarnation}, not ${incarnation}`,
        ),
      );
    }
    if (current.status === "dead") return ok(current);
    if (current.status === "left") {
      return err(new P2pError<QuorumErrorCode>("NOT_MEMBER", `${address} already left`));
    }
    const verdict = validateEvidence(current, evidence, context());
    if (!verdict.ok) {
      return err(
        new P2pError<QuorumErrorCode>("EVIDENCE_INVALID", verdict.error.message, {
          cause: verdict.error,
        }),
      );
    }
    return ok({ ...current, status: "dead", changedAt: now, evidence });
  };
}

/**
 * Incarnation `incarnation` of `address` leaves (idempotent). With the peer's signed request,
 * the tombstone keeps it and the key that signed it, so any acceptor can check it.
 */
export function leaveChange(
  address: string,
  incarnation: number,
  now: number,
  proof?: RequestProof,
): Change {
  return (current) => {
    if (current === undefined)
      return err(new P2pError<QuorumErrorCode>("NOT_MEMBER", `${address} is unknown`));
    if (current.incarnation !== incarnation) {
      return err(
        new P2pError<QuorumErrorCode>(
          "STALE_INCARNATION",
          `${address} is at incarnation ${current.incarnation}, not ${incarnation}`,
        ),
      );
    }
    if (current.status === "left") return ok(current);
    if (current.status === "dead")
      return err(new P2pError<QuorumErrorCode>("NOT_MEMBER", `${address} is dead`));
    return ok({
      address,
      status: "left",
      incarnation,
      ...(proof === undefined || current.publicKey === undefined
        ? {}
        : { publicKey: current.publicKey, proof }),
      neighbours: [],
      changedAt: now,
    });
  };
}

/** The identity change: a quorum read. */
export const readChange: Change = (current) => ok(current);

/**
 * Compaction of an old tombstone: keep only what stops a resurrection (address, status,
 * incarnation); drop the evidence, key and neighbours. Anything else is left as it is.
 */
export function compactChange(address: string, olderThan: number): Change {
  return (current) => {
    if (current === undefined || !isTombstone(current) || current.changedAt > olderThan) {
      return ok(current);
    }
    if (isCompacted(current)) return ok(current);
    return ok({
      address,
      status: current.status,
      incarnation: current.incarnation,
      neighbours: [],
      changedAt: current.changedAt,
    });
  };
}

/** True for a tombstone already reduced by {@link compactChange}. */
export function isCompacted(record: MemberRecord): boolean {
  return (
    isTombstone(record) &&
    record.evidence === undefined &&
    record.publicKey === undefined &&
    record.neighbours.length === 0
  );
}
