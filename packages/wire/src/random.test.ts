import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSeededRandom, hashString32 } from "./random.js";

const take = (count: number, next: () => number): number[] => Array.from({ length: count }, next);

describe("createSeededRandom", () => {
  it("replays the same stream for the same seed and label", () => {
    fc.assert(
      fc.property(fc.integer(), fc.string(), (seed, label) => {
        const a = createSeededRandom(seed, label);
        const b = createSeededRandom(seed, label);
        expect(take(20, () => a.next())).toEqual(take(20, () => b.next()));
      }),
    );
  });

  it("gives different streams for neighbouring seeds and for different labels", () => {
    const first = take(8, createSeededRandom(1).next);
    expect(take(8, createSeededRandom(2).next)).not.toEqual(first);
    expect(take(8, createSeededRandom(1, "gossip").next)).not.toEqual(first);
    expect(take(8, createSeededRandom(1, "gossip").next)).not.toEqual(
      take(8, createSeededRandom(1, "liveness").next),
    );
    expect(take(8, createSeededRandom(2 ** 40).next)).not.toEqual(
      take(8, createSeededRandom(0).next),
    );
  });

  it("yields numbers in [0, 1) with a mean near one half", () => {
    const random = createSeededRandom(7);
    const values = take(20_000, () => random.next());
    for (const value of values) {
      expect(value).toBeGreaterThanOrEqual(0);
      expect(value).toBeLessThan(1);
    }
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    // standard error is about 0.002; 0.01 is five of them
    expect(Math.abs(mean - 0.5)).toBeLessThan(0.01);
  });

  it("rejects seeds that are not safe integers", () => {
    expect(() => createSeededRandom(1.5)).toThrow(/safe integer/);
    expect(() => createSeededRandom(Number.NaN)).toThrow(/safe integer/);
  });

  it("hashes strings with FNV-1a", () => {
    // published FNV-1a 32-bit test vectors
    expect(hashString32("")).toBe(0x811c9dc5);
    expect(hashString32("a")).toBe(0xe40c292c);
    expect(hashString32("foobar")).toBe(0xbf9cf968);
  });
});
