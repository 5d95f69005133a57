import { createSeededRandom, P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { degrees } from "./graph.js";
import { DEFAULT_EXPONENT, exponentOfShift, growNetwork, shiftForExponent } from "./grow.js";
import { fitPowerLaw } from "./power-law.js";

const seed = Number(process.env.P2P_SEED ?? 1);

describe("growNetwork's attachment shift", () => {
  it("maps an exponent to a shift and back, and refuses exponents ≤ 2", () => {
    expect(shiftForExponent(2.8, 2)).toBeCloseTo(-0.4, 12);
    expect(exponentOfShift(shiftForExponent(2.65, 3), 3)).toBeCloseTo(2.65, 12);
    expect(exponentOfShift(1, 2)).toBe(3.5);
    expect(() => shiftForExponent(2, 2)).toThrow(P2pError);
    expect(() =>
      growNetwork({ nodes: 10, k: 2, random: createSeededRandom(1), shift: -2 }),
    ).toThrow(/shift must be a finite number > −k/);
  });

  it(`fits an exponent in [2.5, 3.2] at 10⁵ nodes by default (α = ${DEFAULT_EXPONENT}), where weights degree + 1 drift above 3.2`, () => {
    const fitted = (shift?: number) =>
      fitPowerLaw(
        degrees(
          growNetwork({
            nodes: 100_000,
            k: 2,
            random: createSeededRandom(seed),
            ...(shift === undefined ? {} : { shift }),
          }),
        ),
      ).alpha;
    const byDefault = fitted();
    expect(byDefault, `seed ${seed}`).toBeGreaterThanOrEqual(2.5);
    expect(byDefault, `seed ${seed}`).toBeLessThanOrEqual(3.2);
    expect(fitted(1), `seed ${seed}`).toBeGreaterThan(3.2);
  });

  it("keeps a grown network connected and k links per joiner with a negative shift", () => {
    const graph = growNetwork({ nodes: 5000, k: 3, random: createSeededRandom(seed), shift: -2.5 });
    expect(graph.edgeSources.length).toBe(3 * 5000 - 6); // joiners 1 and 2 link to all before them
    expect(Math.min(...degrees(graph))).toBeGreaterThanOrEqual(3);
  });
});
