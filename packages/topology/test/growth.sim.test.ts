import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { averageClustering, connectedComponents, degrees, estimateDiameter } from "../src/graph.js";
import { growNetwork } from "../src/grow.js";
import { compareAlternatives, fitPowerLaw, powerLawGoodnessOfFit } from "../src/power-law.js";

const seed = Number(process.env.P2P_SEED ?? 1);
const label = `seed ${seed} (replay with P2P_SEED=${seed})`;

describe("growNetwork: the overlay our peers build", () => {
  it("with 10,000 nodes and k = 2 is connected and fits a power law with α in [2.5, 3.2], p ≥ 0.1", () => {
    const graph = growNetwork({ nodes: 10_000, k: 2, random: createSeededRandom(seed) });
    expect(graph.edgeSources.length).toBe(2 * 10_000 - 3);
    expect(connectedComponents(graph).count, label).toBe(1);
    const degreeList = degrees(graph);
    const result = powerLawGoodnessOfFit(degreeList, createSeededRandom(seed + 1), {
      bootstrapSamples: 50,
    });
    expect(result.fit.alpha, label).toBeGreaterThanOrEqual(2.5);
    expect(result.fit.alpha, label).toBeLessThanOrEqual(3.2);
    expect(result.p, label).toBeGreaterThanOrEqual(0.1);
    const exponential = compareAlternatives(degreeList, result.fit).find(
      (test) => test.alternative === "exponential",
    );
    expect(exponential?.favours, label).toBe("power-law");
    const diameter = estimateDiameter(graph);
    expect(diameter.diameter).toBeGreaterThan(3);
    expect(diameter.diameter).toBeLessThan(30);
    expect(averageClustering(graph)).toBeGreaterThan(0);
  });

  it("fits α in [2.5, 3.2] at the median over five seeds (10,000 nodes, k = 2)", () => {
    const alphas = [0, 1, 2, 3, 4].map(
      (offset) =>
        fitPowerLaw(
          degrees(
            growNetwork({ nodes: 10_000, k: 2, random: createSeededRandom(seed * 10 + offset) }),
          ),
        ).alpha,
    );
    const median = alphas.sort((a, b) => a - b)[2] as number;
    expect(median, `${label}: ${alphas.join(", ")}`).toBeGreaterThanOrEqual(2.5);
    expect(median, `${label}: ${alphas.join(", ")}`).toBeLessThanOrEqual(3.2);
  });

  it("grows hubs that uniform attachment never does", () => {
    const graph = growNetwork({ nodes: 5000, k: 2, random: createSeededRandom(seed) });
    const maxDegree = Math.max(...degrees(graph));
    // uniform attachment at this size tops out near 2 + 2 ln(5000) ≈ 19
    expect(maxDegree, label).toBeGreaterThan(50);
  });

  it("replays exactly from its seed", () => {
    const first = growNetwork({ nodes: 2000, k: 3, random: createSeededRandom(seed) });
    const second = growNetwork({ nodes: 2000, k: 3, random: createSeededRandom(seed) });
    expect(Array.from(second.edgeSources)).toEqual(Array.from(first.edgeSources));
    expect(Array.from(second.edgeTargets)).toEqual(Array.from(first.edgeTargets));
  });
});
