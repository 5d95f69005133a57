/** Limits of a {@link MessageList} (the `messageList` section of the gossip config). */
export interface MessageListLimits {
  /** At most this many ids are held; adding one more evicts the oldest. */
  readonly maxEntries: number;
  /** An id is held for this long (input time) after it was added. */
  readonly ttlMs: number;
}

/**
 * The message list (seen set) of the gossip machine: message ids with their origin, oldest
 * first, bounded by count and age, with the number of ids held per origin kept exact.
 *
 * Ids are never refreshed (a lookup does not move an id), time never goes back and every id
 * lives `ttlMs`, so insertion order is both eviction order and expiry order: expiring is
 * popping from the front, amortized O(1). (An `lru-cache` would keep expired ids until touched,
 * so a per-origin count kept from its `dispose` calls would include them, and it treats an
 * entry stored at time 0 as never expiring.)
 */
export interface MessageList {
  /** Forgets every id whose time is up (added at or before `now - ttlMs`). Call before using the list at `now`. */
  expire(now: number): void;
  /** True when `id` is held. */
  has(id: string): boolean;
  /** How many ids from `origin` are held. */
  countOf(origin: string): number;
  /** Holds `id` from `origin` until `now + ttlMs` (re-adding an id restarts it), evicting the oldest id when full. */
  add(id: string, origin: string, now: number): void;
  /** Ids held. */
  readonly size: number;
  /** Distinct origins with at least one id held. */
  readonly origins: number;
}

interface Entry {
  readonly origin: string;
  readonly expiresAtMs: number;
}

/** Creates an empty {@link MessageList}. */
export function createMessageList(limits: MessageListLimits): MessageList {
  /** Oldest first: a Map iterates in insertion order. */
  const entries = new Map<string, Entry>();
  const perOrigin = new Map<string, number>();

  function drop(id: string, entry: Entry): void {
    entries.delete(id);
    const count = (perOrigin.get(entry.origin) ?? 0) - 1;
    if (count > 0) perOrigin.set(entry.origin, count);
    else perOrigin.delete(entry.origin);
  }

  return {
    expire(now) {
      for (const [id, entry] of entries) {
        if (entry.expiresAtMs > now) break;
        drop(id, entry);
      }
    },
    has: (id) => entries.has(id),
    countOf: (origin) => perOrigin.get(origin) ?? 0,
    add(id, origin, now) {
      const existing = entries.get(id);
      if (existing !== undefined) drop(id, existing);
      for (const [oldestId, oldest] of entries) {
        if (entries.size < limits.maxEntries) break;
        drop(oldestId, oldest);
      }
      entries.set(id, { origin, expiresAtMs: now + limits.ttlMs });
      perOrigin.set(origin, (perOrigin.get(origin) ?? 0) + 1);
    },
    get size() {
      return entries.size;
    },
    get origins() {
      return perOrigin.size;
    },
  };
}
