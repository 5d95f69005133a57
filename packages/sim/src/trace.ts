/**
 * A running 64-bit FNV-1a hash over canonical event strings (UTF-16 code units), kept as two
 * 32-bit halves so it needs no BigInt. Equal event sequences give equal hashes.
 */
export class TraceHash {
  private high = 0xcbf29ce4;
  private low = 0x84222325;
  private count = 0;
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
