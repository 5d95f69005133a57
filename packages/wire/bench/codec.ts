// The codec measurement of bench/index.ts, also run by `pnpm bench:compare`: encode + frame +
// decode of one gossip message by the @p2p/wire codec (msgpack, zod both ways) against JSON
// lines validated with the same schema, and both again without validation, in alternating
// rounds of one run.
import { fail } from "../../../scripts/bench-support.js";
import { createCodec, createFrameDecoder, createPackr, encodeFrame } from "../src/index.js";
import { type Gossip, GossipSchema } from "./fixtures.js";

/** The gossip message every codec candidate carries. */
export const message: Gossip = {
  type: "gossip.message",
  id: "1795500000123:127.0.0.1:6001:7",
  origin: "127.0.0.1:6001",
  createdAtMs: 1_795_500_000_123,
  hops: 2,
  body: "1795500000123:127.0.0.1:7",
};
// Distinct copies, cycled: the codec remembers the body of the message it encoded last (one
// message sent to several peers), and a benchmark must not measure that shortcut.
const copies: Gossip[] = Array.from({ length: 64 }, () => ({ ...message }));
/** The `i`-th copy of {@link message} (64 distinct objects, cycled). */
export const nth = (i: number): Gossip => copies[i & 63] as Gossip;

/** Iterations of `fn` that take about `targetMs`. */
function calibrate(fn: (iterations: number) => void, targetMs: number): number {
  let iterations = 1000;
  for (;;) {
    const start = performance.now();
    fn(iterations);
    const elapsed = performance.now() - start;
    if (elapsed > 50) return Math.max(1, Math.ceil((iterations * targetMs) / elapsed));
    iterations *= 4;
  }
}

/**
 * Operations per second of each candidate: rounds alternate between candidates (so a busy
 * machine slows all of them alike) and the best round of each counts.
 */
function measureAll(
  candidates: ReadonlyArray<(iterations: number) => void>,
  rounds: number,
  roundMs: number,
): number[] {
  const iterations = candidates.map((fn) => calibrate(fn, roundMs));
  const best = candidates.map(() => 0);
  for (let round = 0; round < rounds; round++) {
    candidates.forEach((fn, index) => {
      const count = iterations[index] ?? 1;
      const start = performance.now();
      fn(count);
      const rate = count / ((performance.now() - start) / 1000);
      best[index] = Math.max(best[index] ?? 0, rate);
    });
  }
  return best;
}

/** Messages per second (encode + frame + decode) of each candidate, and their sizes. */
export interface CodecRates {
  /** JSON text, newline framed, validated with the same schema both ways (the baseline). */
  readonly jsonValidated: number;
  /** The @p2p/wire codec: msgpack, length-prefixed frame, zod both ways. */
  readonly codecValidated: number;
  readonly jsonRaw: number;
  readonly msgpackRaw: number;
  readonly frameBytes: number;
  readonly jsonBytes: number;
}

/** Measures the four candidates in `rounds` alternating rounds of about `roundMs` each. */
export function measureCodec(rounds: number, roundMs: number): CodecRates {
  const codec = createCodec(GossipSchema);
  const packr = createPackr();
  const encoder = new TextEncoder();
  const decoder = new TextDecoder();
  let sink = 0;
  const jsonValidated = (n: number) => {
    for (let i = 0; i < n; i++) {
      const bytes = encoder.encode(`${JSON.stringify(GossipSchema.parse(nth(i)))}\n`);
      const text = decoder.decode(bytes);
      const line = text.slice(0, text.indexOf("\n"));
      sink += GossipSchema.parse(JSON.parse(line)).hops;
    }
  };
  const jsonRaw = (n: number) => {
    for (let i = 0; i < n; i++) {
      const bytes = encoder.encode(`${JSON.stringify(nth(i))}\n`);
      const text = decoder.decode(bytes);
      sink += (JSON.parse(text.slice(0, text.indexOf("\n"))) as Gossip).hops;
    }
  };
  const codecValidated = (n: number) => {
    const frames = createFrameDecoder();
    for (let i = 0; i < n; i++) {
      const [frame] = frames.push(encodeFrame(codec.encode(nth(i))));
      if (frame?.ok !== true) fail("codec: a frame did not decode");
      const decoded = codec.decode(frame.value);
      if (!decoded.ok) fail("codec: a message did not decode");
      sink += decoded.value.hops;
    }
  };
  const msgpackRaw = (n: number) => {
    const frames = createFrameDecoder();
    for (let i = 0; i < n; i++) {
      const [frame] = frames.push(encodeFrame(packr.pack(nth(i))));
      if (frame?.ok !== true) fail("msgpack: a frame did not decode");
      sink += (packr.unpack(frame.value) as Gossip).hops;
    }
  };
  const [jsonValidatedRate = 0, codecValidatedRate = 0, jsonRawRate = 0, msgpackRawRate = 0] =
    measureAll([jsonValidated, codecValidated, jsonRaw, msgpackRaw], rounds, roundMs);
  // Every candidate adds `hops` (2) per message; a sink of 0 means none of them ran.
  if (sink <= 0) fail("codec: no message made the round trip");
  return {
    jsonValidated: jsonValidatedRate,
    codecValidated: codecValidatedRate,
    jsonRaw: jsonRawRate,
    msgpackRaw: msgpackRawRate,
    frameBytes: encodeFrame(codec.encode(message)).byteLength,
    jsonBytes: encoder.encode(`${JSON.stringify(message)}\n`).byteLength,
  };
}
