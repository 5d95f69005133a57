import { join } from "node:path";
import type { AcceptorState, Storage } from "@p2p/quorum";
import { open, type RootDatabase } from "lmdb";

/** A durable {@link Storage} for a seed's acceptor state, in an LMDB environment. */
export interface LmdbStorage extends Storage {
  loadAll(): ReadonlyMap<string, AcceptorState>;
  /** Writes one key's state; durable on disk when it returns (persist before send). */
  save(key: string, state: AcceptorState): void;
  close(): Promise<void>;
}

/**
 * Opens (or creates) the acceptor store in `directory`. Every `save` is a synchronous LMDB
 * transaction with a full sync, so a seed killed at any moment (even SIGKILL, or a power cut)
 * restarts with every promise and accepted value it ever answered with.
 */
export async function openLmdbStorage(directory: string): Promise<LmdbStorage> {
  const database: RootDatabase<AcceptorState, string> = open({
    path: join(directory, "acceptor.mdb"),
    encoding: "msgpack",
    compression: false,
    overlappingSync: false,
    noSync: false,
  });
  return {
    loadAll() {
      const states = new Map<string, AcceptorState>();
      for (const { key, value } of database.getRange()) states.set(key, value);
      return states;
    },
    save(key, state) {
      database.putSync(key, state);
    },
    async close() {
      await database.close();
    },
  };
}
