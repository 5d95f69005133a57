// Small byte arrays from a shared slab. `new Uint8Array(n)` above V8's on-heap limit (64 bytes)
// allocates and zero-fills a separate backing store, about 0.6 µs each on a 2-core machine,
// and every one is an external allocation the garbage collector must track. Frames and sealed
// chunks are mostly 100–300 bytes, so they are cut from a 16 KiB slab instead (as Node's
// `Buffer.allocUnsafe` does with its pool), at ~35 ns each. A slab is never reused: a new one
// starts when the current one is full, so a view is always fresh, zero-filled memory that no
// other view overlaps.

/** Bytes in one slab. */
const SLAB_BYTES = 16 * 1024;
/** Arrays longer than this get their own buffer (a slab serves at least four). */
const MAX_SLAB_ALLOCATION = SLAB_BYTES / 4;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/**
 * A zero-filled `Uint8Array` of `length` bytes. Short arrays are views into a shared slab, so
 * their `byteOffset` is usually not 0: read and write them through the view (or with
 * `byteOffset`), never through `.buffer` alone.
 */
export function allocBytes(length: number): Uint8Array {
  if (length > MAX_SLAB_ALLOCATION) return new Uint8Array(length);
  if (used + length > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const bytes = new Uint8Array(slab, used, length);
  used += (length + 7) & ~7; // keep every view 8-byte aligned
  return bytes;
}
