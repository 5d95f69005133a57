/**
 * A map that holds at most `maxEntries` keys and forgets the least recently set one first: a
 * `set` of a key (new or not) makes it the newest; `get`, `has` and `peek` change no order.
 * Memory grows with the entries actually held: a bound of 10,000 costs nothing until used (an
 * LRU cache that allocates its whole capacity up front costs ~0.3 MB and ~10 ms per instance,
 * and a process hosting many peers holds several per peer).
 */
export class BoundedMap<K, V> {
  private readonly entries = new Map<K, V>();

  /** A map of at most `maxEntries` keys (a positive integer). */
  constructor(readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) {
      throw new RangeError(`maxEntries: expected a positive integer, got ${String(maxEntries)}`);
    }
  }

  /** Keys held. */
  get size(): number {
    return this.entries.size;
  }

  /** The value of `key`, without making it newer. */
  peek(key: K): V | undefined {
    return this.entries.get(key);
  }

  /** The value of `key`, without making it newer (the same as {@link peek}). */
  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  has(key: K): boolean {
    return this.entries.has(key);
  }

  /** Sets `key` as the newest entry; forgets the oldest when the map is over its bound. */
  set(key: K, value: V): this {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next();
      if (oldest.done !== true) this.entries.delete(oldest.value);
    }
    return this;
  }

  /** Forgets `key`; true when it was held. */
  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }

  /** Keys, oldest first. */
  keys(): IterableIterator<K> {
    return this.entries.keys();
  }

  /** `[key, value]` pairs, oldest first. */
  [Symbol.iterator](): IterableIterator<[K, V]> {
    return this.entries.entries();
  }
}
