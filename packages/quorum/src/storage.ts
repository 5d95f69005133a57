import type { Ballot } from "./ballot.js";
import type { Attestation, MemberRecord } from "./messages.js";

/** What an acceptor remembers about one key: its promise and the last value it accepted. */
export interface AcceptorState {
  readonly promised: Ballot;
  readonly accepted: {
    readonly ballot: Ballot;
    readonly value: MemberRecord | null;
    /**
     * Ids of the latest operations that changed the value (oldest first, bounded): a
     * retried or duplicated operation that finds its id here is not applied twice.
     */
    readonly operations: readonly string[];
    /** Attestations of this value (this acceptor's own, and a certificate once learned). */
    readonly attestations?: readonly Attestation[];
    /** True once this seed knows the value was committed (what a restart shows). */
    readonly committed?: boolean;
  } | null;
}

/**
 * Durable acceptor state. The host loads everything once at start (`loadAll`) and saves a
 * key's state on every `persist` output; `save` must be durable when it returns (or when
 * its promise resolves) — only then may the host send the outputs that follow the persist.
 */
export interface Storage {
  loadAll(): ReadonlyMap<string, AcceptorState> | Promise<ReadonlyMap<string, AcceptorState>>;
  save(key: string, state: AcceptorState): void | Promise<void>;
  /**
   * Optional: saves a lazy `persist` (a commit mark), which nothing waits for and a crash may
   * lose. A store may hold it back and write it with the next `save` (one disk sync for both);
   * a later save of the same key must still win. Absent: the host uses `save`.
   */
  saveLazy?(key: string, state: AcceptorState): void | Promise<void>;
}

/** An in-memory {@link Storage} (tests and simulations); it survives a simulated crash of its seed. */
export interface MemoryStorage extends Storage {
  loadAll(): ReadonlyMap<string, AcceptorState>;
  save(key: string, state: AcceptorState): void;
  /** Number of saves so far. */
  readonly saveCount: number;
}

/** Creates an in-memory {@link Storage}. States are deep-copied in and out. */
export function createMemoryStorage(): MemoryStorage {
  const states = new Map<string, AcceptorState>();
  let saveCount = 0;
  return {
    loadAll: () => new Map([...states].map(([key, state]) => [key, clonePlain(state)])),
    save(key, state) {
      states.set(key, clonePlain(state));
      saveCount += 1;
    },
    get saveCount() {
      return saveCount;
    },
  };
}

/** Deep copy of msgpack-plain data (objects, arrays, Uint8Array, primitives). */
function clonePlain<T>(value: T): T {
  if (value instanceof Uint8Array) return value.slice() as T;
  if (Array.isArray(value)) return value.map(clonePlain) as T;
  if (typeof value === "object" && value !== null) {
    const copy: Record<string, unknown> = {};
    for (const [key, field] of Object.entries(value)) copy[key] = clonePlain(field);
    return copy as T;
  }
  return value;
}
