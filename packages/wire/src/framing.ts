import { allocBytes } from "./bytes.js";
import { P2pError, type Result, type WireErrorCode } from "./errors.js";

/** Bytes in the length prefix of every frame. */
export const FRAME_HEADER_BYTES = 4;

/** The default and recommended maximum frame body size: 1 MiB. */
export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/** The largest body a u32 length prefix can announce. */
const MAX_U32 = 0xffff_ffff;

/** One decoded frame body, or the error that poisoned the decoder. */
export type FrameResult = Result<Uint8Array, P2pError>;

/** Options for {@link createFrameDecoder}. */
export interface FrameDecoderOptions {
  /** Largest accepted body, in bytes (default 1 MiB). Checked from the header, before buffering. */
  readonly maxFrameBytes?: number;
}

/** A streaming decoder of length-prefixed frames. */
export interface FrameDecoder {
  /**
   * Feeds the next chunk of the byte stream and returns every frame it completes, in order.
   * After an error result the decoder is poisoned: every later call returns that error again.
   * Never throws, whatever the bytes.
   */
  push(chunk: Uint8Array): FrameResult[];
  /** Bytes held for an incomplete frame (header or body). */
  readonly bufferedBytes: number;
  /** The error that poisoned the decoder, if any. */
  readonly error: P2pError | undefined;
}

/** Validates a max frame size option (caller mistake → throws). */
export function checkMaxFrameBytes(maxFrameBytes: number): number {
  if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 1 || maxFrameBytes > MAX_U32) {
    throw new P2pError<WireErrorCode>(
      "CONFIG_INVALID",
      `maxFrameBytes: expected an integer from 1 to ${MAX_U32}, got ${String(maxFrameBytes)}`,
    );
  }
  return maxFrameBytes;
}

/** The error for a body of `length` bytes, or undefined when it is acceptable. */
export function checkFrameLength(length: number, maxFrameBytes: number): P2pError | undefined {
  if (length === 0)
    return new P2pError<WireErrorCode>("FRAME_EMPTY", "frame has a zero-length body");
  if (length > maxFrameBytes) {
    return new P2pError<WireErrorCode>(
      "FRAME_TOO_LARGE",
      `frame of ${length} bytes exceeds the limit of ${maxFrameBytes} bytes`,
    );
  }
  return undefined;
}

/**
 * Frames one body: a u32 big-endian byte length followed by the body.
 * Throws `FRAME_EMPTY` for an empty body and `FRAME_TOO_LARGE` above `maxFrameBytes` (caller mistakes).
 */
export function encodeFrame(body: Uint8Array, maxFrameBytes = DEFAULT_MAX_FRAME_BYTES): Uint8Array {
  const problem = checkFrameLength(body.byteLength, maxFrameBytes);
  if (problem !== undefined) throw problem;
  const frame = allocBytes(FRAME_HEADER_BYTES + body.byteLength);
  const length = body.byteLength; // u32, big-endian
  frame[0] = length >>> 24;
  frame[1] = (length >>> 16) & 0xff;
  frame[2] = (length >>> 8) & 0xff;
  frame[3] = length & 0xff;
  frame.set(body, FRAME_HEADER_BYTES);
  return frame;
}

/** The big-endian u32 length prefix at `offset` (the caller checked that 4 bytes are there). */
function readLength(bytes: Uint8Array, offset: number): number {
  return (
    ((bytes[offset] ?? 0) * 0x1000000 +
      (((bytes[offset + 1] ?? 0) << 16) |
        ((bytes[offset + 2] ?? 0) << 8) |
        (bytes[offset + 3] ?? 0))) >>>
    0
  );
}

/**
 * Creates a streaming frame decoder. Whole frames come out whatever the chunking (a header
 * split across chunks, many frames in one chunk, one byte at a time). The announced length is
 * checked against `maxFrameBytes` as soon as the 4 header bytes are known, so an oversized
 * frame is refused without ever allocating or buffering its body.
 */
export function createFrameDecoder(options: FrameDecoderOptions = {}): FrameDecoder {
  const maxFrameBytes = checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  const header = new Uint8Array(FRAME_HEADER_BYTES);
  let headerFilled = 0;
  let body: Uint8Array | undefined;
  let bodyFilled = 0;
  let poisoned: P2pError | undefined;

  function push(chunk: Uint8Array): FrameResult[] {
    if (poisoned !== undefined) return [{ ok: false, error: poisoned }];
    const results: FrameResult[] = [];
    let offset = 0;
    while (offset < chunk.byteLength) {
      if (body === undefined) {
        let length: number;
        if (headerFilled === 0 && chunk.byteLength - offset >= FRAME_HEADER_BYTES) {
          // Fast path: a whole header inside this chunk, read in place.
          length = readLength(chunk, offset);
          offset += FRAME_HEADER_BYTES;
        } else {
          const take = Math.min(FRAME_HEADER_BYTES - headerFilled, chunk.byteLength - offset);
          header.set(chunk.subarray(offset, offset + take), headerFilled);
          headerFilled += take;
          offset += take;
          if (headerFilled < FRAME_HEADER_BYTES) break;
          length = readLength(header, 0);
        }
        const problem = checkFrameLength(length, maxFrameBytes);
        if (problem !== undefined) {
          poisoned = problem;
          headerFilled = 0;
          results.push({ ok: false, error: problem });
          return results;
        }
        headerFilled = 0;
        // Fast path: the whole body is in this chunk; hand out a copy-free view.
        if (chunk.byteLength - offset >= length) {
          results.push({ ok: true, value: chunk.subarray(offset, offset + length) });
          offset += length;
          continue;
        }
        body = new Uint8Array(length);
        bodyFilled = 0;
      }
      const take = Math.min(body.byteLength - bodyFilled, chunk.byteLength - offset);
      body.set(chunk.subarray(offset, offset + take), bodyFilled);
      bodyFilled += take;
      offset += take;
      if (bodyFilled === body.byteLength) {
        results.push({ ok: true, value: body });
        body = undefined;
        bodyFilled = 0;
      }
    }
    return results;
  }

  return {
    push,
    get bufferedBytes() {
      return body === undefined ? headerFilled : bodyFilled;
    },
    get error() {
      return poisoned;
    },
  };
}
