import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { P2pError } from "./errors.js";
import { createFrameDecoder, DEFAULT_MAX_FRAME_BYTES, encodeFrame } from "./framing.js";

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Concatenates frames and cuts the stream at the given points. */
function cut(stream: Uint8Array, cutPoints: readonly number[]): Uint8Array[] {
  const points = [...new Set(cutPoints.map((point) => point % (stream.byteLength + 1)))].sort(
    (a, b) => a - b,
  );
  const chunks: Uint8Array[] = [];
  let start = 0;
  for (const point of points) {
    chunks.push(stream.subarray(start, point));
    start = point;
  }
  chunks.push(stream.subarray(start));
  return chunks;
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const total = parts.reduce((sum, part) => sum + part.byteLength, 0);
  const joined = new Uint8Array(total);
  let offset = 0;
  for (const part of parts) {
    joined.set(part, offset);
    offset += part.byteLength;
  }
  return joined;
}

describe("encodeFrame", () => {
  it("prefixes the body with its u32 big-endian length", () => {
    expect(hex(encodeFrame(new Uint8Array([0x81, 0xa1, 0x61, 0x01])))).toBe("0000000481a16101");
  });

  it("refuses empty and oversized bodies (caller mistakes)", () => {
    expect(() => encodeFrame(new Uint8Array(0))).toThrow(P2pError);
    expect(() => encodeFrame(new Uint8Array(5), 4)).toThrow(/exceeds the limit of 4 bytes/);
  });
});

describe("createFrameDecoder", () => {
  it("yields whole frames one byte at a time", () => {
    const decoder = createFrameDecoder();
    const stream = concat([
      encodeFrame(new Uint8Array([1, 2, 3])),
      encodeFrame(new Uint8Array([4])),
    ]);
    const bodies: string[] = [];
    for (const byte of stream) {
      for (const result of decoder.push(new Uint8Array([byte]))) {
        expect(result.ok).toBe(true);
        if (result.ok) bodies.push(hex(result.value));
      }
    }
    expect(bodies).toEqual(["010203", "04"]);
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("property: any frames cut into any chunks decode to the same frames", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ minLength: 1, maxLength: 300 }), { maxLength: 30 }),
        fc.array(fc.nat(), { maxLength: 40 }),
        (bodies, cutPoints) => {
          const stream = concat(bodies.map((body) => encodeFrame(body)));
          const decoder = createFrameDecoder();
          const decoded: string[] = [];
          for (const chunk of cut(stream, cutPoints)) {
            for (const result of decoder.push(chunk)) {
              if (!result.ok) return false;
              decoded.push(hex(result.value));
            }
          }
          expect(decoded).toEqual(bodies.map(hex));
          expect(decoder.bufferedBytes).toBe(0);
          return true;
        },
      ),
      { numRuns: 300 },
    );
  });

  it("property: arbitrary bytes never throw, and after an error the decoder stays poisoned", () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 20 }),
        fc.integer({ min: 1, max: 128 }),
        (chunks, maxFrameBytes) => {
          const decoder = createFrameDecoder({ maxFrameBytes });
          let failedWith: P2pError | undefined;
          for (const chunk of chunks) {
            if (failedWith !== undefined) break;
            const results = decoder.push(chunk);
            for (const result of results) {
              if (failedWith !== undefined) return false; // nothing may follow an error
              if (!result.ok) failedWith = result.error;
              else if (result.value.byteLength === 0 || result.value.byteLength > maxFrameBytes)
                return false;
            }
          }
          if (failedWith !== undefined) {
            expect(["FRAME_EMPTY", "FRAME_TOO_LARGE"]).toContain(failedWith.code);
            const again = decoder.push(new Uint8Array([0, 0, 0, 1, 7]));
            expect(again).toEqual([{ ok: false, error: failedWith }]);
            expect(decoder.error).toBe(failedWith);
          }
          return true;
        },
      ),
      { numRuns: 500 },
    );
  });

  it("refuses a 4 GiB length prefix at once, without allocating it", () => {
    const decoder = createFrameDecoder();
    const results = decoder.push(new Uint8Array([0xff, 0xff, 0xff, 0xff]));
    expect(results).toHaveLength(1);
    const [first] = results;
    expect(first?.ok).toBe(false);
    if (first !== undefined && !first.ok) {
      expect(first.error.code).toBe("FRAME_TOO_LARGE");
      expect(first.error.message).toBe(
        `frame of 4294967295 bytes exceeds the limit of ${DEFAULT_MAX_FRAME_BYTES} bytes`,
      );
    }
    expect(decoder.bufferedBytes).toBe(0);
  });

  it("refuses one byte over the limit from the header alone, even split across chunks", () => {
    const decoder = createFrameDecoder({ maxFrameBytes: 16 });
    expect(decoder.push(new Uint8Array([0, 0]))).toEqual([]);
    const [result] = decoder.push(new Uint8Array([0, 17]));
    expect(result?.ok === false && result.error.code).toBe("FRAME_TOO_LARGE");
    const exact = createFrameDecoder({ maxFrameBytes: 16 });
    const [accepted] = exact.push(encodeFrame(new Uint8Array(16), 16));
    expect(accepted?.ok).toBe(true);
  });

  it("reports a zero-length frame as FRAME_EMPTY after the frames before it", () => {
    const decoder = createFrameDecoder();
    const results = decoder.push(
      concat([
        encodeFrame(new Uint8Array([9])),
        new Uint8Array([0, 0, 0, 0]),
        encodeFrame(new Uint8Array([8])),
      ]),
    );
    expect(results.map((result) => (result.ok ? hex(result.value) : result.error.code))).toEqual([
      "09",
      "FRAME_EMPTY",
    ]);
  });

  it("rejects a bad limit as a caller mistake", () => {
    expect(() => createFrameDecoder({ maxFrameBytes: 0 })).toThrow(/maxFrameBytes/);
  });
});
