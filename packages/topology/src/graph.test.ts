import { createSeededRandom } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  averageClustering,
  connectedComponents,
  createGraph,
  degrees,
  distancesFrom,
  estimateDiameter,
} from "./graph.js";
import { growNetwork } from "./grow.js";

const seed = Number(process.env.P2P_SEED ?? 7);

describe("graph", () => {
  it("merges duplicate edges and drops self-loops", () => {
    const graph = createGraph(3, [
      [0, 1],
      [1, 0],
      [2, 2],
      [1, 2],
    ]);
    expect(graph.edgeSources.length).toBe(2);
    expect(Array.from(degrees(graph))).toEqual([1, 2, 1]);
    expect(() => createGraph(2, [[0, 2]])).toThrow(/outside/);
  });

  it("finds components, largest first", () => {
    const graph = createGraph(6, [
      [0, 1],
      [2, 3],
      [3, 4],
    ]);
    const components = connectedComponents(graph);
    expect(components.count).toBe(3);
    expect(components.sizes).toEqual([3, 2, 1]);
    expect(components.componentOf[2]).toBe(0);
    expect(components.componentOf[5]).toBe(2);
  });

  it("measures diameter and clustering on known graphs", () => {
    const path = createGraph(5, [
      [0, 1],
      [1, 2],
      [2, 3],
      [3, 4],
    ]);
    expect(estimateDiameter(path)).toEqual({ diameter: 4, isExact: true });
    expect(estimateDiameter(path, { exactUpToNodes: 0 }).diameter).toBe(4);
    expect(averageClustering(path)).toBe(0);
    const triangleWithTail = createGraph(4, [
      [0, 1],
      [1, 2],
      [0, 2],
      [2, 3],
    ]);
    // C = (1 + 1 + 1/3 + 0) / 4
    expect(averageClustering(triangleWithTail)).toBeCloseTo(7 / 12, 12);
  });

  it("the double-sweep diameter is a lower bound of the exact one", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 300 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer(),
        (nodes, k, randomSeed) => {
          const graph = growNetwork({ nodes, k, random: createSeededRandom(randomSeed) });
          const exact = estimateDiameter(graph);
          const estimate = estimateDiameter(graph, {
            exactUpToNodes: 0,
            random: createSeededRandom(randomSeed),
          });
          expect(exact.isExact).toBe(true);
          expect(estimate.diameter).toBeLessThanOrEqual(exact.diameter);
          expect(estimate.diameter).toBeGreaterThanOrEqual(Math.ceil(exact.diameter / 2));
          const distance = distancesFrom(graph, 0);
          expect(Math.max(...distance)).toBeLessThanOrEqual(exact.diameter);
        },
      ),
      { seed, numRuns: 40 },
    );
  });
});
