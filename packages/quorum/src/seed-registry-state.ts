import type { AcceptorState } from "./storage.js";

/**
 * Storage key under which a seed reserves ballot counters (never a peer address, which
 * always contains a colon).
 */
export const PROPOSER_RESERVATION_KEY = "~proposer";

/**
 * Splits a seed's restored storage into its acceptor's keys and the highest ballot counter it
 * reserved or promised: the proposer starts above it, so no ballot is used twice.
 */
export function restoredState(stored: ReadonlyMap<string, AcceptorState> | undefined): {
  readonly keys: Map<string, AcceptorState>;
  readonly reservedCounter: number;
} {
  const keys = new Map(stored ?? []);
  let reservedCounter = keys.get(PROPOSER_RESERVATION_KEY)?.promised.counter ?? 0;
  keys.delete(PROPOSER_RESERVATION_KEY);
  for (const state of keys.values()) {
    reservedCounter = Math.max(reservedCounter, state.promised.counter);
  }
  return { keys, reservedCounter };
}
