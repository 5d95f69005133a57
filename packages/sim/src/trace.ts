import { hashString32 } from "@p2p/wire";

/**
 * A running 64-bit FNV-1a hash over canonical event strings (UTF-16 code units), kept as two
 * 32-bit halves so it needs no BigInt. Equal event sequences give equal hashes.
 */
export class TraceHash {
  private high = 0xcbf29ce4;
  private low = 0x84222325;
  private count = 0;
  private readonly names = new Map<string, number>();
  private readonly float = new Float64Array(1);
  private readonly words = new Uint32Array(this.float.buffer);
  private readonly entries: string[] | undefined;

  constructor(record: boolean) {
    this.entries = record ? [] : undefined;
  }

  /** Appends one event (plus a separator) to the hash. */
  add(entry: string): void {
    let high = this.high;
    let low = this.low;
    for (let i = 0; i <= entry.length; i++) {
      low ^= i === entry.length ? 0x0a : entry.charCodeAt(i);
      // multiply by the FNV prime 2^40 + 0x1b3, modulo 2^64
      const product = (low >>> 0) * 0x1b3;
      const carry = Math.floor(product / 0x100000000);
      high = (Math.imul(high, 0x1b3) + ((low << 8) | 0) + carry) >>> 0;
      low = product >>> 0;
    }
    this.high = high;
    this.low = low;
    this.count++;
    this.entries?.push(entry);
  }

  /**
   * Appends a structured event without building a string: the kind and the two names (hashed
   * once each and cached), the time's IEEE-754 bits and the id are fed to the same FNV-1a 64 as
   * 16-bit units. Used on the hot path (every send and delivery).
   */
  addEvent(kind: string, time: number, id: number, first: string, second: string): void {
    this.float[0] = time;
    const timeLow = this.words[0] as number;
    const timeHigh = this.words[1] as number;
    const kindHash = this.nameHash(kind);
    const firstHash = this.nameHash(first);
    const secondHash = this.nameHash(second);
    const idLow = id >>> 0;
    const idHigh = Math.floor(id / 0x100000000) >>> 0;
    let high = this.high;
    let low = this.low;
    for (const word of [kindHash, timeLow, timeHigh, idLow, idHigh, firstHash, secondHash]) {
      for (let shift = 0; shift < 32; shift += 16) {
        low ^= (word >>> shift) & 0xffff;
        const product = (low >>> 0) * 0x1b3;
        const carry = Math.floor(product / 0x100000000);
        high = (Math.imul(high, 0x1b3) + ((low << 8) | 0) + carry) >>> 0;
        low = product >>> 0;
      }
    }
    this.high = high;
    this.low = low;
    this.count++;
    this.entries?.push(`${kind} ${time} ${id} ${first} ${second}`);
  }

  private nameHash(name: string): number {
    let hash = this.names.get(name);
    if (hash === undefined) {
      hash = hashString32(name);
      this.names.set(name, hash);
    }
    return hash;
  }

  /** Number of events hashed. */
  get length(): number {
    return this.count;
  }

  /** The hash as 16 lowercase hex digits. */
  hex(): string {
    return (
      (this.high >>> 0).toString(16).padStart(8, "0") +
      (this.low >>> 0).toString(16).padStart(8, "0")
    );
  }

  /** The recorded entries (empty unless recording was enabled). */
  recorded(): readonly string[] {
    return this.entries ?? [];
  }
}
