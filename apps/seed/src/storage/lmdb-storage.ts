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
  /** Flushes and closes the database. */
  close(): Promise<void>;
}

/** Opens (or creates) the LMDB environment in directory `path`. */
export function createLmdbStorage<State>(path: string): LmdbStorage<State> {
  // overlappingSync off: a commit resolves after LMDB has synced it to disk.
  const database: RootDatabase<State, string> = open<State, string>({
    path,
    overlappingSync: false,
    compression: false,
  });
  return {
    loadAll() {
      const states = new Map<string, State>();
      for (const { key, value } of database.getRange()) states.set(key, value);
      return states;
    },
    async save(key, state) {
      const written = await database.put(key, state);
      if (!written) throw new Error(`lmdb refused the write of ${key}`);
      await database.flushed;
    },
    async close() {
      await database.flushed;
      await database.close();
    },
  };
}
