import { open, type RootDatabase } from "lmdb";

/**
 * Durable acceptor storage on LMDB (the `Storage` contract of `@p2p/quorum`, generic over the
 * state type so this file needs only the shape): `loadAll()` once at start, `save()` per key.
 * `save` resolves only once the write is committed and flushed to disk, so a host that
 * awaits it before sending the reply keeps the "persist before send" contract.
 */
export interface LmdbStorage<State> {
  loadAll(): Map<string, State>;
  save(key: string, state: State): Promise<void>;
  /**
   * A write nothing waits for (a commit mark): held back and written with the next `save` (in
   * the same synced transaction) or 100 ms (`LAZY_FLUSH_MS`) later, whichever comes first. A
   * later write of the same key still wins. The promise settles once it is on disk.
   */
  saveLazy(key: string, state: State): Promise<void>;
  /** Writes what is held back, flushes and closes the database. */
  close(): Promise<void>;
}

/** How long a lazy write may wait for a `save` to go with before it is written alone. */
const LAZY_FLUSH_MS = 100;

/** Opens (or creates) the LMDB environment in directory `path`. */
export function createLmdbStorage<State>(path: string): LmdbStorage<State> {
  // overlappingSync off: a commit resolves after LMDB has synced it to disk.
  const database: RootDatabase<State, string> = open<State, string>({
    path,
    overlappingSync: false,
    compression: false,
  });
  const put = async (key: string, state: State): Promise<void> => {
    const written = await database.put(key, state);
    if (!written) throw new Error(`lmdb refused the write of ${key}`);
  };
  /** Lazy writes held back (the latest state per key), and the promise they all settle. */
  const held = new Map<string, State>();
  let heldSettled:
    | { promise: Promise<void>; resolve(): void; reject(error: unknown): void }
    | undefined;
  let heldTimer: ReturnType<typeof setTimeout> | undefined;
  /** Issues the held writes now: before a save issued in the same turn, so in its transaction. */
  const releaseHeld = (): void => {
    if (heldTimer !== undefined) clearTimeout(heldTimer);
    heldTimer = undefined;
    const settled = heldSettled;
    heldSettled = undefined;
    if (settled === undefined) return;
    const writes = [...held].map(([key, state]) => put(key, state));
    held.clear();
    Promise.all(writes)
      .then(() => database.flushed)
      .then(() => settled.resolve(), settled.reject);
  };
  return {
    loadAll() {
      const states = new Map<string, State>();
      for (const { key, value } of database.getRange()) states.set(key, value);
      return states;
    },
    async save(key, state) {
      releaseHeld();
      await put(key, state);
      await database.flushed;
    },
    saveLazy(key, state) {
      held.delete(key); // the latest state of a key, in the order of its last write
      held.set(key, state);
      if (heldSettled === undefined) {
        let resolve = (): void => {};
        let reject = (_error: unknown): void => {};
        const promise = new Promise<void>((done, fail) => {
          resolve = done;
          reject = fail;
        });
        heldSettled = { promise, resolve, reject };
        heldTimer = setTimeout(releaseHeld, LAZY_FLUSH_MS);
        heldTimer.unref?.();
      }
      return heldSettled.promise;
    },
    async close() {
      releaseHeld();
      await database.flushed;
      await database.close();
    },
  };
}
