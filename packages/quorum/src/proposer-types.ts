import type { Result } from "@p2p/wire";
import type { Ballot } from "./ballot.js";
import type {
  AcceptedMessage,
  AcceptMessage,
  Attestation,
  MemberRecord,
  PrepareMessage,
  PromiseMessage,
} from "./messages.js";

/**
 * A change to one key: from the current committed value (undefined: absent) to the next one.
 * An error leaves the value as it is (it is written back unchanged, so the answer is still
 * linearizable) and becomes the operation's result.
 */
export type Change = (current: MemberRecord | undefined) => Result<MemberRecord | undefined>;

/** Timing and quorum settings of a proposer. */
export interface ProposerSettings {
  readonly id: string;
  /** Every acceptor (seed id), sorted. */
  readonly acceptors: readonly string[];
  /** Replies needed to commit; a majority of `acceptors` unless deliberately misconfigured. */
  readonly quorumSize: number;
  readonly attemptTimeoutMs: number;
  readonly operationTimeoutMs: number;
  readonly backoffBaseMs: number;
  readonly backoffMaxMs: number;
  /**
   * Ballot counters up to this value may have been used before a restart (from durable
   * storage); the proposer starts above it and never reuses a ballot.
   */
  readonly reservedCounter: number;
  /** How many counters to reserve at a time (one `reserve` output per block). */
  readonly reserveBlock: number;
  /** How many operation ids a value remembers, so retries and duplicates apply once. */
  readonly operationMemory: number;
  /**
   * Most keys held on the one-round-trip path (the oldest is dropped first; a dropped key's
   * next operation simply runs both phases). Default 10,000.
   */
  readonly maxFastPathKeys?: number;
  /**
   * True when this proposer may write `key` at its ballot 0 (counter 0) without a prepare:
   * one round trip for a new key (asked only for operations submitted with `mayCreate`). Safe only when no other proposer ever uses counter 0 on
   * `key` (it is the key's owner, {@link keyOwner}; acceptors ignore counter 0 from anyone
   * else) and this proposer's own acceptor, one of `acceptors`, holds no state of `key` (so
   * it never wrote `key` at ballot 0 before). The accept goes to that own acceptor first and
   * to the others only once it has accepted, so it is durable before anyone else sees it.
   * Absent: every operation starts with a prepare (or the one-round-trip path after a commit).
   */
  readonly mayWriteFresh?: (key: string) => boolean;
}

/** What a proposer asks its host to do, in order. */
export type ProposerOutput =
  /** Persist that ballot counters up to `counter` may be in use, before sending what follows. */
  | { readonly type: "reserve"; readonly counter: number }
  | { readonly type: "send"; readonly to: string; readonly message: PrepareMessage | AcceptMessage }
  | {
      readonly type: "completed";
      readonly operationId: string;
      readonly key: string;
      /** The committed value (undefined: absent) or the change's error / NO_QUORUM. */
      readonly result: Result<MemberRecord | undefined>;
      /** The ballot that committed the value, when it committed. */
      readonly ballot: Ballot | undefined;
      /** The value written at `ballot` (on a change error: the unchanged value). */
      readonly committed: MemberRecord | null;
      /** The acceptors' attestations of `committed` (a certificate when seeds sign). */
      readonly attestations: readonly Attestation[];
      /**
       * Why an acceptor last refused this operation's value (its own check failed), if one did:
       * a NO_QUORUM with a refusal is a verdict, one without is silence (seeds out of reach).
       */
      readonly lastRefusal?: string;
    };

/** The value a proposer read and builds on, with the attestations it gathered. */
export type Base = NonNullable<AcceptMessage["base"]>;

/** One client operation inside a proposer. */
export interface Operation {
  readonly operationId: string;
  readonly key: string;
  readonly change: Change;
  /** Submitted to create its key: its first attempt may use ballot 0. */
  readonly mayCreate: boolean;
  readonly deadline: number;
  attempt: number;
  phase: "waiting" | "prepare" | "accept";
  requestId: string;
  ballot: Ballot;
  nextBallot: Ballot | null;
  /** When the current phase gives up (resend) or, in "waiting", when to start the next attempt. */
  phaseDeadline: number;
  promises: Map<string, PromiseMessage>;
  accepts: Set<string>;
  /** Attestations from the accepted replies of this attempt, by acceptor. */
  attestations: Map<string, Attestation>;
  refusals: Set<string>;
  proposed: MemberRecord | null;
  proposedOperations: readonly string[];
  outcome: Result<MemberRecord | undefined> | undefined;
  /**
   * The outcome of each attempt that applied or refused the change, by the operation-memory
   * entry it wrote (any of them may be the one a majority holds).
   */
  settled: Map<string, Result<MemberRecord | undefined>>;
  lastRefusal: string | undefined;
  /**
   * On a ballot-0 attempt, the accept that waits for this proposer's own acceptor to accept it
   * before it goes to the others; undefined otherwise.
   */
  heldAccept: AcceptMessage | undefined;
  /**
   * The last accept phase this operation gave up on (it timed out or was outbid): its answers
   * may still come, and a majority of them at its ballot chose its value all the same.
   */
  abandoned: AbandonedAccept | undefined;
}

/** An accept phase a proposer gave up on, kept to count the answers that come late. */
export interface AbandonedAccept {
  readonly requestId: string;
  readonly ballot: Ballot;
  readonly accepts: Set<string>;
  readonly attestations: Map<string, Attestation>;
  readonly proposed: MemberRecord | null;
  readonly proposedOperations: readonly string[];
  readonly outcome: Result<MemberRecord | undefined> | undefined;
}

/** A read-only view of a proposer, for tests and metrics. */
export interface ProposerView {
  readonly activeOperations: number;
  readonly queuedOperations: number;
  readonly highestCounterSeen: number;
  readonly fastPathKeys: number;
}

/** The CASPaxos proposer: one operation in flight per key, others queued behind it. */
export interface Proposer {
  /**
   * Starts `change` on `key`. `mayCreate`: the change is meant to create the key (a
   * registration), so a new key may be written at ballot 0 (see `mayWriteFresh`); reads and
   * changes of existing keys leave it out.
   */
  submit(
    now: number,
    operationId: string,
    key: string,
    change: Change,
    mayCreate?: boolean,
  ): ProposerOutput[];
  receive(now: number, from: string, message: PromiseMessage | AcceptedMessage): ProposerOutput[];
  tick(now: number): ProposerOutput[];
  nextDeadline(): number | undefined;
  inspect(): ProposerView;
}
