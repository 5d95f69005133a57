import { describe, expect, it } from "vitest";
import { analyseGraph, formatReport, MIN_NODES_FOR_FIT } from "./analysis.js";
import { growNetwork } from "./grow.js";
import { degreeSummary, formatDegreeSummary, liveOverlay } from "./live-overlay.js";
import { createSeededRandom } from "./random.js";

describe("liveOverlay", () => {
  it("links two members when either lists the other, once, leaving out unknown addresses", () => {
    const overlay = liveOverlay([
      { address: "10.0.0.2:1", neighbours: ["10.0.0.1:1", "10.0.0.9:1", "10.0.0.2:1"] },
      { address: "10.0.0.1:1", neighbours: ["10.0.0.2:1", "10.0.0.3:1"] },
      { address: "10.0.0.3:1", neighbours: [] },
      { address: "[::1]:1", neighbours: [] },
    ]);
    expect(overlay.names).toEqual(["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "[::1]:1"]);
    expect(overlay.edges).toEqual([
      ["10.0.0.1:1", "10.0.0.2:1"],
      ["10.0.0.1:1", "10.0.0.3:1"],
    ]);
    expect(overlay.graph.nodeCount).toBe(4);
    const summary = degreeSummary(overlay.graph);
    expect(summary).toEqual({ count: 4, min: 0, median: 1, mean: 1, max: 2 });
    if (summary !== undefined) {
      expect(formatDegreeSummary(summary)).toBe("degree: min 0, median 1, mean 1.00, max 2");
    }
  });

  it("has no summary for no members", () => {
    expect(degreeSummary(liveOverlay([]).graph)).toBeUndefined();
  });
});

describe("analyseGraph", () => {
  it("fits a grown overlay and reports it, the same for the same seed", () => {
    const graph = growNetwork({ nodes: 300, k: 2, random: createSeededRandom(7) });
    const report = analyseGraph(graph, { seed: 1, bootstrap: 5 });
    expect(report.nodeCount).toBe(300);
    expect(report.componentCount).toBe(1);
    expect(formatReport(report)[1]).toMatch(/^power law: α = /);
    expect(analyseGraph(graph, { seed: 1, bootstrap: 5 })).toEqual(report);
  });

  it("gives no verdict for a network too small for a fit to mean anything", () => {
    const overlay = liveOverlay([
      { address: "10.0.0.1:1", neighbours: ["10.0.0.2:1", "10.0.0.3:1"] },
      { address: "10.0.0.2:1", neighbours: ["10.0.0.3:1"] },
      { address: "10.0.0.3:1", neighbours: [] },
    ]);
    const lines = formatReport(analyseGraph(overlay.graph, { seed: 1, bootstrap: 5 }));
    expect(lines[1]).toBe(
      `power law: not meaningful yet — 3 connected nodes; a fit needs at least ${MIN_NODES_FOR_FIT}`,
    );
    expect(lines.join("\n")).not.toMatch(/consistent|rejected|favours/);
  });

  it("refuses a graph with fewer than two connected nodes", () => {
    const overlay = liveOverlay([{ address: "10.0.0.1:1", neighbours: [] }]);
    expect(() => analyseGraph(overlay.graph, { seed: 1, bootstrap: 5 })).toThrow(
      expect.objectContaining({ code: "ARGUMENT_INVALID" }),
    );
  });
});
