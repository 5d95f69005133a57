import { describe, expect, it } from "vitest";
import {
  erfc,
  hurwitzZeta,
  logErfc,
  logNormalInterval,
  minimiseNelderMead,
  minimiseScalar,
} from "./special-functions.js";

describe("hurwitzZeta", () => {
  it("matches known values of ζ(s) = ζ(s, 1)", () => {
    expect(hurwitzZeta(2, 1)).toBeCloseTo(Math.PI ** 2 / 6, 14);
    expect(hurwitzZeta(4, 1)).toBeCloseTo(Math.PI ** 4 / 90, 14);
    expect(hurwitzZeta(3, 1)).toBeCloseTo(1.2020569031595942, 14);
    expect(hurwitzZeta(1.5, 1)).toBeCloseTo(2.612375348685488, 13);
    expect(hurwitzZeta(1.01, 1)).toBeCloseTo(100.57794333849687, 10);
  });

  it("satisfies ζ(s, q) = q^(−s) + ζ(s, q + 1) and agrees with direct summation", () => {
    for (const s of [1.3, 2.2, 3.7, 8]) {
      for (const q of [1, 2.5, 7, 40, 1000]) {
        expect(hurwitzZeta(s, q)).toBeCloseTo(q ** -s + hurwitzZeta(s, q + 1), 13);
      }
    }
    expect(hurwitzZeta(4, 3)).toBeCloseTo(Math.PI ** 4 / 90 - 1 - 1 / 16, 14);
    let direct = 0;
    for (let j = 20_000; j >= 0; j--) direct += (2.5 + j) ** -3;
    expect(hurwitzZeta(3, 2.5)).toBeCloseTo(direct + hurwitzZeta(3, 20_003.5), 14);
  });

  it("is NaN outside s > 1, q > 0", () => {
    expect(hurwitzZeta(1, 1)).toBeNaN();
    expect(hurwitzZeta(2, 0)).toBeNaN();
  });
});

describe("erfc and normal tails", () => {
  it("matches reference values", () => {
    expect(erfc(0)).toBe(1);
    expect(erfc(0.5)).toBeCloseTo(0.4795001221869535, 15);
    expect(erfc(-1) / 1.8427007929497148).toBeCloseTo(1, 14);
    expect(erfc(3) / 2.209049699858544e-5).toBeCloseTo(1, 10);
    expect(logErfc(10)).toBeCloseTo(Math.log(2.088487583762545e-45), 10);
    expect(Number.isFinite(logErfc(40))).toBe(true);
  });

  it("computes normal interval probabilities in either tail", () => {
    expect(Math.exp(logNormalInterval(-1, 1))).toBeCloseTo(0.6826894921370859, 13);
    expect(logNormalInterval(-9, -8)).toBeCloseTo(logNormalInterval(8, 9), 12);
    expect(logNormalInterval(8, 8.001)).toBeLessThan(logNormalInterval(8, 9));
  });
});

describe("minimisers", () => {
  it("find the minimum of simple functions", () => {
    expect(minimiseScalar((x) => (x - 2.3) ** 2, 0, 10)).toBeCloseTo(2.3, 7);
    const [x, y] = minimiseNelderMead(([a, b]) => (a - 1) ** 2 + 10 * (b + 2) ** 2, [0, 0], [1, 1]);
    expect(x).toBeCloseTo(1, 3);
    expect(y).toBeCloseTo(-2, 3);
  });
});
