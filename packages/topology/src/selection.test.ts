import { createSeededRandom, P2pError } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { chooseNeighbours } from "./selection.js";

const seed = Number(process.env.P2P_SEED ?? 20240601);

const candidatesArbitrary = fc.uniqueArray(
  fc.record({ address: fc.ipV4().map((ip) => `${ip}:5000`), degree: fc.nat(50) }),
  { selector: (candidate) => candidate.address, maxLength: 30 },
);

describe("chooseNeighbours", () => {
  it("never returns duplicates or the joiner, and returns min(k, eligible) members", () => {
    fc.assert(
      fc.property(
        candidatesArbitrary,
        fc.integer({ min: 1, max: 8 }),
        fc.integer(),
        fc.boolean(),
        (candidates, k, randomSeed, includeJoiner) => {
          const joiner =
            includeJoiner && candidates.length > 0
              ? (candidates[0]?.address as string)
              : "10.9.9.9:1";
          const chosen = chooseNeighbours({
            joiner,
            candidates,
            k,
            random: createSeededRandom(randomSeed),
          });
          const eligible = candidates
            .filter((candidate) => candidate.address !== joiner)
            .map((c) => c.address);
          expect(new Set(chosen).size).toBe(chosen.length);
          expect(chosen).not.toContain(joiner);
          expect(chosen.length).toBe(Math.min(k, eligible.length));
          for (const address of chosen) expect(eligible).toContain(address);
          if (eligible.length > 0) expect(chosen.length).toBeGreaterThanOrEqual(1);
        },
      ),
      { seed },
    );
  });

  it("does not depend on the candidates' input order", () => {
    fc.assert(
      fc.property(
        candidatesArbitrary,
        fc.integer({ min: 1, max: 4 }),
        fc.integer(),
        (candidates, k, randomSeed) => {
          const forward = chooseNeighbours({
            joiner: "x",
            candidates,
            k,
            random: createSeededRandom(randomSeed),
          });
          const reversed = chooseNeighbours({
            joiner: "x",
            candidates: candidates.slice().reverse(),
            k,
            random: createSeededRandom(randomSeed),
          });
          expect(reversed).toEqual(forward);
        },
      ),
      { seed },
    );
  });

  it("returns every candidate (sorted) when there are at most k", () => {
    const candidates = [
      { address: "10.0.0.3:1", degree: 0 },
      { address: "10.0.0.1:1", degree: 9 },
    ];
    expect(
      chooseNeighbours({ joiner: "10.0.0.9:1", candidates, k: 3, random: createSeededRandom(1) }),
    ).toEqual(["10.0.0.1:1", "10.0.0.3:1"]);
    expect(
      chooseNeighbours({
        joiner: "10.0.0.9:1",
        candidates: [],
        k: 3,
        random: createSeededRandom(1),
      }),
    ).toEqual([]);
  });

  it("chooses with empirical frequencies matching the (degree + 1) weights (chi-square)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat(30), { minLength: 2, maxLength: 12 }),
        fc.integer(),
        (degreeList, randomSeed) => {
          const candidates = degreeList.map((degree, i) => ({ address: `10.0.0.${i}:1`, degree }));
          const random = createSeededRandom(randomSeed);
          const draws = 20_000;
          const observed = new Map<string, number>();
          for (let i = 0; i < draws; i++) {
            const [address] = chooseNeighbours({ joiner: "10.1.1.1:1", candidates, k: 1, random });
            observed.set(address as string, (observed.get(address as string) ?? 0) + 1);
          }
          const totalWeight = degreeList.reduce((sum, degree) => sum + degree + 1, 0);
          let chiSquare = 0;
          for (const { address, degree } of candidates) {
            const expected = (draws * (degree + 1)) / totalWeight;
            chiSquare += ((observed.get(address) ?? 0) - expected) ** 2 / expected;
          }
          // df ≤ 11; the 99.99th percentile of χ²(11) is ≈ 38.6 — a wrong weighting scores in the hundreds.
          expect(chiSquare).toBeLessThan(38.6);
        },
      ),
      { seed, numRuns: 25 },
    );
  });

  it("weighs max(degree, floorDegree) + shift when shifted (chi-square)", () => {
    // The overlay's default for two neighbours: shift 2 × (2.8 − 3) = −0.4, floor 2.
    const degreeList = [0, 1, 2, 3, 7, 20];
    const candidates = degreeList.map((degree, i) => ({ address: `10.0.0.${i}:1`, degree }));
    const weightOf = (degree: number) => Math.max(degree, 2) - 0.4;
    const random = createSeededRandom(seed);
    const draws = 20_000;
    const observed = new Map<string, number>();
    for (let i = 0; i < draws; i++) {
      const [address] = chooseNeighbours({
        joiner: "10.1.1.1:1",
        candidates,
        k: 1,
        random,
        shift: -0.4,
        floorDegree: 2,
      });
      observed.set(address as string, (observed.get(address as string) ?? 0) + 1);
    }
    const totalWeight = degreeList.reduce((sum, degree) => sum + weightOf(degree), 0);
    let chiSquare = 0;
    for (const { address, degree } of candidates) {
      const expected = (draws * weightOf(degree)) / totalWeight;
      chiSquare += ((observed.get(address) ?? 0) - expected) ** 2 / expected;
    }
    // df = 5; the 99.99th percentile of χ²(5) is ≈ 25.7. Weights degree + 1 score above 400.
    expect(chiSquare).toBeLessThan(25.7);
  });

  it("with k > 1 picks successively: the first pick also follows the weights", () => {
    const candidates = [
      { address: "a", degree: 0 },
      { address: "b", degree: 9 },
    ];
    const random = createSeededRandom(seed);
    let firstIsB = 0;
    const draws = 10_000;
    for (let i = 0; i < draws; i++) {
      const chosen = chooseNeighbours({
        joiner: "j",
        candidates: [...candidates, { address: "c", degree: 0 }],
        k: 2,
        random,
      });
      if (chosen[0] === "b") firstIsB++;
    }
    // weight of b = 10 of 12: expect ≈ 0.833
    expect(Math.abs(firstIsB / draws - 10 / 12)).toBeLessThan(0.02);
  });

  it("throws on caller mistakes", () => {
    const random = createSeededRandom(1);
    expect(() => chooseNeighbours({ joiner: "j", candidates: [], k: 0, random })).toThrow(P2pError);
    expect(() =>
      chooseNeighbours({ joiner: "j", candidates: [{ address: "a", degree: -1 }], k: 1, random }),
    ).toThrow(/non-negative integer/);
    const candidates = [{ address: "a", degree: 0 }];
    expect(() =>
      chooseNeighbours({ joiner: "j", candidates, k: 1, random, shift: -2, floorDegree: 2 }),
    ).toThrow(/floorDegree \+ shift must be > 0/);
  });
});
