import { type Machine, parseConfig, type RandomSource, type Result } from "@p2p/wire";
import { z } from "zod";
import type { EvidenceValidator } from "./membership.js";
import type { MemberEntry, MemberRecord, QuorumMessage, RequestProof } from "./messages.js";
import type { VerifySignature } from "./request-proof.js";
import type { AcceptorState } from "./storage.js";

/** Configuration of a seed's registry. Every limit and interval lives here. */
export const SeedRegistryConfigSchema = z
  .object({
    /** This seed's id: its "ip:port" address. */
    seedId: z.string().min(1),
    /** Every seed (this one included); the acceptors of every key. */
    seeds: z.array(z.string().min(1)).min(1),
    /**
     * Accepts needed to commit. Defaults to a majority; anything smaller is unsafe and exists
     * only so tests can prove the linearizability checker catches it.
     */
    quorumSize: z.number().int().positive().optional(),
    /**
     * A prepare or accept round without a quorum is retried after this long at least (doubled
     * per retry, ≤ 16×): longer once this seed has seen its round trips take longer (smoothed
     * round trip + 4 × its deviation, at most `operationTimeoutMs`).
     */
    attemptTimeoutMs: z.number().positive().default(200),
    /** An operation that has not committed by then fails with NO_QUORUM. */
    operationTimeoutMs: z.number().positive().default(3_000),
    /**
     * A removal this seed proposed that no majority answered (NO_QUORUM with no acceptor's
     * refusal, or BUSY) is proposed again after about this long (±25 %), doubled per retry
     * (at most 16×), while the member's record is unchanged…
     */
    removalRetryMs: z.number().positive().default(1_000),
    /** …at most this many times (while its evidence stands: votes age out of their window). */
    removalRetries: z.number().int().nonnegative().default(6),
    /**
     * A removal of a member this seed does not own (`keyOwner`) is proposed only after about
     * this long (+0 to 50 %): the owner seed, which got the same reports, proposes at once and
     * has normally committed it by then, so the seeds do not preempt each other's ballots. 0
     * proposes at once everywhere.
     */
    removalOwnerGraceMs: z.number().nonnegative().default(1_000),
    /**
     * Backoff after a conflict: random in [c/2, c] with c = min(max, base * 2^attempt). Set the
     * base to about one round trip between seeds.
     */
    backoffBaseMs: z.number().positive().default(20),
    backoffMaxMs: z.number().positive().default(400),
    /** Tombstones older than this are compacted to address + status + incarnation. */
    tombstoneRetentionMs: z
      .number()
      .positive()
      .default(24 * 60 * 60 * 1000),
    compactionIntervalMs: z.number().positive().default(60_000),
    /**
     * A learned value this seed did not accept itself is confirmed by a quorum read after
     * this long (a learn message alone is never trusted).
     */
    catchUpDelayMs: z.number().positive().default(1_000),
    /**
     * Anti-entropy: this often (from the first message it receives) the registry asks one
     * other seed, picked at random, for its versions, and runs a quorum read for every record
     * where it lags (a lost learn message, a restart). Another seed's word is never copied.
     */
    syncIntervalMs: z.number().positive().default(5_000),
    /**
     * Most learn messages waiting for this seed's own accept (one per key; another seed
     * chooses the keys, so it is bounded: past it a learn is dropped and the periodic version
     * comparison catches up instead).
     */
    maxPendingLearns: z.number().int().positive().default(10_000),
    /** Most anti-entropy and catch-up quorum reads in flight at once (one per key at most). */
    maxCatchUpReads: z.number().int().positive().default(1_000),
    /**
     * When true, a register, leave or neighbour update is accepted only from the peer whose
     * record it changes (the address its connection introduced); seeds set it, tests of the
     * bare quorum protocol need not.
     */
    ownRecordsOnly: z.boolean().default(false),
    /** Outcomes of this seed's own probes (`probe-result` inputs) are kept this long… */
    probeResultRetentionMs: z.number().positive().default(60_000),
    /** …and at most this many (the oldest is forgotten first). */
    maxProbeResults: z.number().int().positive().default(10_000),
    maxNeighbours: z.number().int().positive().default(64),
    /** Operations (active + queued) beyond this are refused with BUSY. */
    maxPendingOperations: z.number().int().positive().default(10_000),
    /** Answers to client requests kept to answer duplicates. */
    maxRememberedRequests: z.number().int().positive().default(10_000),
    /** Ballot counters reserved per durable write. */
    reserveBlock: z.number().int().positive().default(1_000),
    /** Most keys on the one-round-trip path at once (the oldest drops back to two phases). */
    maxFastPathKeys: z.number().int().positive().default(10_000),
    /** Operation ids remembered per key, so a retried or duplicated request applies once. */
    operationMemory: z.number().int().positive().max(1024).default(32),
  })
  .superRefine((config, context) => {
    if (new Set(config.seeds).size !== config.seeds.length) {
      context.addIssue({ code: "custom", path: ["seeds"], message: "seeds must be unique" });
    }
    if (!config.seeds.includes(config.seedId)) {
      context.addIssue({ code: "custom", path: ["seedId"], message: "seedId must be in seeds" });
    }
    if (config.quorumSize !== undefined && config.quorumSize > config.seeds.length) {
      context.addIssue({
        code: "custom",
        path: ["quorumSize"],
        message: "quorumSize cannot exceed the number of seeds",
      });
    }
  });

/** Input form of {@link SeedRegistryConfigSchema} (defaults optional). */
export type SeedRegistryConfigInput = z.input<typeof SeedRegistryConfigSchema>;
/** The validated, frozen configuration. */
export type SeedRegistryConfig = Readonly<z.output<typeof SeedRegistryConfigSchema>> & {
  readonly quorumSize: number;
};

/** Validates, applies defaults, sorts the seeds and freezes; throws `CONFIG_INVALID` naming every bad field. */
export function parseSeedRegistryConfig(input: SeedRegistryConfigInput): SeedRegistryConfig {
  const parsed = parseConfig(SeedRegistryConfigSchema, input, "seed registry config");
  const seeds = Object.freeze([...parsed.seeds].sort());
  return Object.freeze({
    ...parsed,
    seeds: seeds as string[],
    quorumSize: parsed.quorumSize ?? Math.floor(seeds.length / 2) + 1,
  });
}

/** What a seed registry needs from its host. */
export interface SeedRegistryDeps {
  /** Backoff jitter and the choice of the seed to compare versions with. */
  readonly random: RandomSource;
  /**
   * Checks the evidence of a removal: a pure function of the subject, the evidence and the
   * context the registry builds from its own inputs (the liveness package provides one).
   */
  readonly validateEvidence: EvidenceValidator;
  /**
   * Verifies peers' signatures. With it, every acceptor enforces the transition table: a
   * registration, neighbour update or leave must carry the peer's own signed request, checked
   * against the acceptor's stored key (`packages/quorum/README.md`); without it (a test, a
   * trusted embedding) records change on the proposing seed's word.
   */
  readonly verifySignature?: VerifySignature;
  /**
   * Closed membership: true when a key may register. Every acceptor checks it for each
   * registration and rejoin (so no one seed can admit a stranger), and a register request
   * from another key is answered `NOT_ADMITTED` at once. Omitted: open membership.
   */
  readonly admits?: (publicKey: string) => boolean;
  /**
   * Commit certificates: with them each acceptor signs what it accepts, and a quorum of those
   * signatures lets a lagging acceptor accept a committed value again later — a compacted
   * tombstone, or one whose votes are too old to check — without trusting any one seed
   * (`packages/quorum/README.md`, "Commit certificates"). Omitted: no signing, and a
   * proposer's base is taken on its word.
   */
  readonly certificates?: {
    /** Signs with this seed's identity key (Ed25519). */
    readonly sign: (bytes: Uint8Array) => Uint8Array;
    /** Every seed's identity key (Ed25519, hex), by seed id. */
    readonly seedKeys: ReadonlyMap<string, string>;
    /** Verifies seeds' signatures (default: `verifySignature`). */
    readonly verify?: VerifySignature;
  };
  /** The acceptor states loaded from {@link Storage} (empty for a new seed). */
  readonly initialState?: ReadonlyMap<string, AcceptorState>;
}

/** A local command: the seed itself proposes a change (results come back as events). */
export type SeedCommand =
  | {
      readonly type: "register";
      readonly operationId: string;
      readonly address: string;
      readonly publicKey?: string;
      readonly neighbours?: readonly string[];
      /** The peer's signed request, carried in the record for the acceptors to check. */
      readonly proof?: RequestProof;
    }
  | {
      readonly type: "update-neighbours";
      readonly operationId: string;
      readonly address: string;
      readonly neighbours: readonly string[];
      readonly proof?: RequestProof;
    }
  | {
      readonly type: "mark-dead";
      readonly operationId: string;
      readonly address: string;
      readonly incarnation: number;
      readonly evidence: unknown;
    }
  | {
      readonly type: "leave";
      readonly operationId: string;
      readonly address: string;
      readonly incarnation: number;
      readonly proof?: RequestProof;
    }
  /** A quorum read: the committed record of `address`. */
  | { readonly type: "read"; readonly operationId: string; readonly address: string };

/**
 * An input of the seed registry. `now` is monotonic and never goes backwards; any input may
 * carry `wallTimeMs` (wall-clock ms), remembered as an offset and used for vote freshness.
 */
export type SeedRegistryInput = (
  | {
      readonly type: "receive";
      readonly now: number;
      readonly from: string;
      readonly message: QuorumMessage;
      /**
       * The identity key the link proved for `from` (authenticated links). With it, a peer's
       * register, leave or neighbour update about a record that holds another key is refused
       * (`KEY_MISMATCH`), and a registration binds this key.
       */
      readonly fromKey?: string;
    }
  | { readonly type: "tick"; readonly now: number }
  | { readonly type: "command"; readonly now: number; readonly command: SeedCommand }
  /**
   * This seed's own probe of `address` (incarnation `incarnation`), begun at `atMs`, got an
   * answer (`isAlive`) or none. The evidence validator sees the latest one per address.
   */
  | {
      readonly type: "probe-result";
      readonly now: number;
      readonly address: string;
      readonly incarnation: number;
      readonly isAlive: boolean;
      readonly atMs: number;
    }
  /**
   * A member voted `address` (incarnation `incarnation`) alive, and the host checked the signed
   * vote (received at `atMs`). The evidence validator sees the latest one per address: a
   * removal waits for this seed's own probe begun after it.
   */
  | {
      readonly type: "alive-vote";
      readonly now: number;
      readonly address: string;
      readonly incarnation: number;
      readonly atMs: number;
    }
) & { readonly wallTimeMs?: number };

/** Events for the host. */
export type SeedRegistryEvent =
  | {
      readonly type: "operation-completed";
      readonly operationId: string;
      readonly address: string;
      readonly result: Result<MemberRecord | undefined>;
    }
  | { readonly type: "member-registered"; readonly record: MemberRecord }
  | { readonly type: "member-updated"; readonly record: MemberRecord }
  | { readonly type: "member-removed"; readonly record: MemberRecord }
  | { readonly type: "member-left"; readonly record: MemberRecord }
  /**
   * A request refused before any proposal: someone else's record (with `ownRecordsOnly`,
   * `NOT_OWN_RECORD`), another key (`KEY_MISMATCH`), or a key closed membership does not admit
   * (`NOT_ADMITTED`).
   */
  | {
      readonly type: "request-refused";
      readonly from: string;
      readonly request: string;
      readonly address: string;
      /** Why: `NOT_OWN_RECORD`, `KEY_MISMATCH` or `NOT_ADMITTED`. */
      readonly code: string;
    };

/**
 * An output, to apply in order. A `persist` must be durable before any later `send` goes
 * out (persist before send).
 */
export type SeedRegistryOutput =
  | { readonly type: "send"; readonly to: string; readonly message: QuorumMessage }
  /**
   * Make `state` of `key` durable before any later send or event goes out; `isLazy` (a commit
   * mark) holds nothing up, and a crash may lose it: after a restart the key's accepted value
   * is read again from a quorum.
   */
  | {
      readonly type: "persist";
      readonly key: string;
      readonly state: AcceptorState;
      readonly isLazy?: boolean;
    }
  | { readonly type: "emit"; readonly event: SeedRegistryEvent };

/** A read-only view of a seed registry. */
export interface SeedRegistryView {
  readonly seedId: string;
  readonly activeOperations: number;
  readonly queuedOperations: number;
  readonly acceptorKeys: number;
  readonly highestCounterSeen: number;
  readonly fastPathKeys: number;
  /** Learn messages waiting for this seed's own acceptor (or a catch-up read). */
  readonly pendingLearns: number;
  /** Keys with a catch-up or anti-entropy quorum read in flight. */
  readonly catchUpReads: number;
  /** When anti-entropy next asks another seed for its versions (undefined: not started). */
  readonly nextSyncAt: number | undefined;
  /** Probe outcomes held for the evidence validator. */
  readonly probeResults: number;
}

/** The seed side of the registry: acceptor + proposer + client protocol, sans-IO. */
export interface SeedRegistry
  extends Machine<SeedRegistryInput, SeedRegistryOutput, SeedRegistryView> {
  readonly config: SeedRegistryConfig;
  /** The one mutating entry point. Throws only on caller mistakes (time going backwards). */
  step(input: SeedRegistryInput): readonly SeedRegistryOutput[];
  nextDeadline(): number | undefined;
  /** The local view: the latest committed record this seed knows for `address`. */
  get(address: string): MemberEntry | undefined;
  /** The local view of every record (tombstones included), sorted by address. */
  list(): readonly MemberEntry[];
  /** The acceptor's durable state of one key. */
  acceptorState(key: string): AcceptorState | undefined;
  inspect(): SeedRegistryView;
}
