import { AddressSchema, type Machine, type RandomSource } from "@p2p/wire";
import { z } from "zod";
import type {
  DeadReport,
  LeaveRequest,
  ListRequest,
  ListResponse,
  MemberRecord,
  OperationResponse,
  RegisterRequest,
  RegisterResponse,
  UpdateNeighbours,
} from "./messages.js";

/** Configuration of a peer's directory client. */
export const DirectoryClientConfigSchema = z.object({
  /** This peer's address `ip:port`: the key of its record. */
  self: AddressSchema,
  /** Every seed; a registration needs ⌊n/2⌋+1 of them to try at once. */
  seeds: z.array(AddressSchema).min(1),
  /** This peer's Ed25519 public key (hex), registered with its record. */
  publicKey: z.string().regex(/^[0-9a-f]{64}$/),
  /** How long one request to a seed may take before the next seed is tried. */
  requestTimeoutMs: z.number().positive().default(5_000),
  /**
   * When no majority of seeds commits a registration, try again after this long (each refusal
   * is reported); absent: a refused registration is final (`registration-failed`).
   */
  registrationRetryMs: z.number().positive().optional(),
  /** Neighbour changes are sent to the seeds this long after the last one (debounce). */
  neighbourUpdateDelayMs: z.number().nonnegative().default(50),
  /** While watching (a suspicion is open), fetch the directory from one seed this often. */
  refreshIntervalMs: z.number().positive().default(2_000),
  /**
   * A `fetch-records` whose seeds lacked an address (a registration they had not learned yet)
   * asks for it again this long after, doubling each time, `recordAttempts` fetches in all.
   */
  recordRetryMs: z.number().positive().default(250),
  recordAttempts: z.number().int().positive().default(5),
  /**
   * A join or requested fetch of the directory that no seed answered (every seed down or
   * refusing) is made again this long after, doubling each time up to `maxListRetryMs`: never at
   * once, so a peer whose seeds are all down does not spin dialling them.
   */
  listRetryMs: z.number().positive().default(250),
  maxListRetryMs: z.number().positive().default(5_000),
  /**
   * A member list comes page by page, one page request at a time per seed; a seed that sends
   * more pages or records than this (or whose cursor does not advance) counts as not answering.
   */
  maxListPages: z.number().int().positive().default(10_000),
  maxListRecords: z.number().int().positive().default(100_000),
  /** Most neighbours sent in one request. */
  maxNeighbours: z.number().int().positive().max(1024).default(64),
  /**
   * Unique per start of the process (a host draws it at random): it goes into every request id,
   * so a restarted peer's requests are never mistaken for the ones a seed answered before.
   */
  bootId: z
    .string()
    .regex(/^[0-9a-z]{1,16}$/)
    .optional(),
});

/** Input form of {@link DirectoryClientConfigSchema}. */
export type DirectoryClientConfigInput = z.input<typeof DirectoryClientConfigSchema>;
/** The validated, frozen configuration. */
export type DirectoryClientConfig = Readonly<z.output<typeof DirectoryClientConfigSchema>>;

/** The messages a directory client sends to seeds. */
export type DirectoryRequest =
  | RegisterRequest
  | ListRequest
  | LeaveRequest
  | UpdateNeighbours
  | DeadReport;
/** The messages a directory client takes from seeds. */
export type DirectoryResponse = RegisterResponse | OperationResponse | ListResponse;

/** Why a directory snapshot was fetched. */
export type MembersReason = "joined" | "requested" | "refresh";

/** Why the client asked the seeds for their lists: a snapshot, or named records (`records`). */
export type ListFetchReason = MembersReason | "records";

/** Inputs of the directory client. `now` is monotonic milliseconds and never goes backwards. */
export type DirectoryClientInput =
  /** Register with the seeds (first start). */
  | { readonly type: "register"; readonly now: number }
  /** The seeds removed this live peer: register again as a new incarnation. */
  | { readonly type: "rejoin"; readonly now: number }
  /** Leave gracefully: deregistered by a quorum, then `left`. */
  | { readonly type: "leave"; readonly now: number }
  /** Fetch the directory from a majority of seeds (e.g. to top up neighbours). */
  | { readonly type: "fetch-members"; readonly now: number }
  /**
   * Fetch only the records of `addresses` (gossip origins the snapshot lacks) from a majority of
   * seeds; they come as a `records` event. One such fetch runs at a time (at most
   * `MAX_LIST_ADDRESSES` addresses); addresses asked meanwhile go in the next one. An address
   * the asked seeds lack is asked again (`recordRetryMs`, `recordAttempts`).
   */
  | { readonly type: "fetch-records"; readonly now: number; readonly addresses: readonly string[] }
  /** This peer's current neighbours; once registered they are sent to the seeds (debounced). */
  | { readonly type: "neighbours"; readonly now: number; readonly neighbours: readonly string[] }
  /** The suspects this peer watches; while any, the directory is refreshed periodically. */
  | { readonly type: "watch"; readonly now: number; readonly suspects: readonly string[] }
  /**
   * Liveness has dead evidence about `suspect` (or asks the seeds to probe it): the report goes
   * to every seed; each one validates it on its own.
   */
  | {
      readonly type: "report";
      readonly now: number;
      readonly suspect: string;
      readonly incarnation: number;
      readonly evidence: unknown;
    }
  /** A response from seed `from`. */
  | {
      readonly type: "receive";
      readonly now: number;
      readonly from: string;
      readonly message: DirectoryResponse;
    }
  /** A request to `address` could not be sent (the dial failed). */
  | { readonly type: "unreachable"; readonly now: number; readonly address: string }
  | { readonly type: "tick"; readonly now: number };

/** Events for the host. */
export type DirectoryClientEvent =
  | { readonly type: "registration-refused"; readonly message: string; readonly retryInMs: number }
  | { readonly type: "registration-failed"; readonly message: string }
  | {
      readonly type: "registered";
      readonly record: MemberRecord;
      /** The seeds that answered, sorted. */
      readonly seeds: readonly string[];
    }
  | { readonly type: "rejoined"; readonly record: MemberRecord }
  | { readonly type: "rejoin-failed"; readonly message: string }
  /** A directory snapshot: the union of the seeds' lists, the latest version of each record. */
  | {
      readonly type: "members";
      readonly reason: MembersReason;
      readonly records: readonly MemberRecord[];
      /** The seeds asked, sorted. */
      readonly seeds: readonly string[];
    }
  /**
   * The latest records of addresses asked with `fetch-records`, those the seeds know (the higher
   * version wins): to merge into the last snapshot, not to replace it.
   */
  | {
      readonly type: "records";
      readonly records: readonly MemberRecord[];
      /** The seeds asked, sorted. */
      readonly seeds: readonly string[];
    }
  /** The leave was committed (`isCommitted`), or no seed could commit it. */
  | { readonly type: "left"; readonly isCommitted: boolean };

/** Outputs, to apply in order. */
export type DirectoryClientOutput =
  | { readonly type: "send"; readonly to: string; readonly message: DirectoryRequest }
  | { readonly type: "emit"; readonly event: DirectoryClientEvent };

/** A read-only view of the client. */
export interface DirectoryClientView {
  readonly self: string;
  readonly phase: "idle" | "registering" | "registered" | "leaving" | "left";
  readonly incarnation: number;
  /** Requests awaiting an answer. */
  readonly inFlight: number;
  readonly neighbours: readonly string[];
  readonly isWatching: boolean;
  /** List fetches started since the client was made, by reason. */
  readonly fetches: Readonly<Record<ListFetchReason, number>>;
}

/** The peer's side of the directory protocol, as a sans-IO machine. */
export interface DirectoryClient
  extends Machine<DirectoryClientInput, DirectoryClientOutput, DirectoryClientView> {
  readonly config: DirectoryClientConfig;
}

/** Dependencies of {@link createDirectoryClient}. */
export interface DirectoryClientDependencies {
  /** Which seeds to try, in which order. */
  readonly random: RandomSource;
  /**
   * Signs with this peer's identity key (the key of `config.publicKey`). With it, every
   * register, neighbour update and leave carries the signed request the seeds' acceptors check.
   */
  readonly sign?: (bytes: Uint8Array) => Uint8Array;
}

// ---- the client's own bookkeeping (not part of the public API) ----

/** What an outstanding request is for. */
export type Purpose =
  | { readonly kind: "register"; readonly slot: number }
  | { readonly kind: "list"; readonly group: number }
  | { readonly kind: "update"; readonly chain: number }
  | { readonly kind: "leave" };

export interface Outstanding {
  readonly seed: string;
  readonly deadline: number;
  readonly purpose: Purpose;
}

/** A request walked through the seeds one at a time until one commits it. */
export interface Chain {
  readonly order: readonly string[];
  next: number;
}
