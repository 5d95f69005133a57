import { describe, expect, it } from "vitest";
import { forEachSeed, parseSeed, SeedFailure, seededRun } from "./seeded.js";

describe("seeded helpers", () => {
  it("runs count seeds from the base seed", async () => {
    const seen: number[] = [];
    await forEachSeed(4, 100, (seed) => {
      seen.push(seed);
    });
    expect(seen).toEqual([100, 101, 102, 103]);
  });

  it("runs only the replayed seed when P2P_SEED is given", async () => {
    const seen: number[] = [];
    await forEachSeed(4, 100, (seed) => void seen.push(seed), "7");
    expect(seen).toEqual([7]);
    await forEachSeed(2, 100, (seed) => void seen.push(seed), "");
    expect(seen).toEqual([7, 100, 101]);
  });

  it("names the failing seed and how to replay it", async () => {
    const failure = await forEachSeed(10, 40, (seed) => {
      if (seed === 43) throw new Error("invariant broken");
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(SeedFailure);
    expect((failure as SeedFailure).seed).toBe(43);
    expect((failure as Error).message).toContain("invariant broken");
    expect((failure as Error).message).toContain("replay with P2P_SEED=43");
    const asyncFailure = await seededRun(9, async () => {
      throw new Error("later");
    }).catch((error: unknown) => error);
    expect((asyncFailure as Error).message).toContain("P2P_SEED=9");
    expect(await seededRun(3, (seed) => seed * 2)).toBe(6);
  });

  it("parses P2P_SEED strictly", () => {
    expect(parseSeed(undefined)).toBeUndefined();
    expect(parseSeed(" 12 ")).toBe(12);
    expect(parseSeed("-3")).toBe(-3);
    expect(() => parseSeed("abc")).toThrow(/P2P_SEED/);
    expect(() => parseSeed("1.5")).toThrow(/P2P_SEED/);
  });
});
