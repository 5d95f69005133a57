import { createSeededRandom, type RandomSource } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createGraph, degrees, type Graph } from "../src/graph.js";
import { growNetwork } from "../src/grow.js";
import { OverlayConfigSchema } from "../src/overlay.js";

const seed = Number(process.env.P2P_SEED ?? 1);
const label = `seed ${seed} (replay with P2P_SEED=${seed})`;

/** The acceptance limits that bind while an overlay of distinct hosts grows. */
interface AcceptRule {
  readonly maxDegree: number;
  readonly maxAcceptsPerWindow: number;
  readonly acceptWindowMs: number;
}

const defaults = OverlayConfigSchema.parse({ self: "10.0.0.1:6000" });

/**
 * Grows an overlay as `growNetwork` does (node i picks min(k, i) earlier nodes ∝ degree + 1),
 * but node i joins at i / joinsPerSecond and each pick is a neighbour request the picked node
 * judges by `rule` (degree cap, accepts per window); a refused joiner picks again among the
 * nodes that have not refused it, as a refused peer tops up elsewhere. Every node is on its
 * own host, as in an honest network, so the per-host cap never binds.
 */
function growUnderRule(
  nodes: number,
  k: number,
  joinsPerSecond: number,
  rule: AcceptRule,
  random: RandomSource,
): { graph: Graph; refusedForRate: number } {
  const degree = new Int32Array(nodes);
  const endpoints: number[] = [];
  const acceptedAt: number[][] = Array.from({ length: nodes }, () => []);
  const edges: [number, number][] = [];
  let refusedForRate = 0;
  for (let joiner = 0; joiner < nodes; joiner++) {
    const now = (joiner * 1000) / joinsPerSecond;
    const asked = new Set<number>();
    const chosen: number[] = [];
    const pick = (): number => {
      if (joiner <= k) return asked.size; // as growNetwork: the first joiners ask all earlier nodes
      const draw = Math.floor(random.next() * (endpoints.length + joiner));
      return draw < endpoints.length ? (endpoints[draw] as number) : draw - endpoints.length;
    };
    while (chosen.length < Math.min(k, joiner) && asked.size < joiner) {
      const node = pick();
      if (asked.has(node)) continue;
      asked.add(node);
      if ((degree[node] as number) >= rule.maxDegree) continue;
      const times = (acceptedAt[node] as number[]).filter(
        (time) => time > now - rule.acceptWindowMs,
      );
      acceptedAt[node] = times;
      if (times.length >= rule.maxAcceptsPerWindow) {
        refusedForRate++;
        continue;
      }
      times.push(now);
      chosen.push(node);
    }
    for (const node of chosen) {
      edges.push([node, joiner]);
      endpoints.push(node, joiner);
      degree[node] = (degree[node] as number) + 1;
      degree[joiner] = (degree[joiner] as number) + 1;
    }
  }
  return { graph: createGraph(nodes, edges), refusedForRate };
}

describe("growth under the acceptance rule (distinct hosts, join storm)", () => {
  // All 10,000 peers join within one second: far inside one acceptWindowMs.
  const storm = 10_000;

  it("the default rate cap (maxAcceptsPerWindow = maxDegree) refuses no one: the overlay is the one the degree cap alone grows", () => {
    const underDefaults = growUnderRule(10_000, 2, storm, defaults, createSeededRandom(seed));
    const degreeCapOnly = growUnderRule(
      10_000,
      2,
      storm,
      { ...defaults, maxAcceptsPerWindow: Number.POSITIVE_INFINITY },
      createSeededRandom(seed),
    );
    expect(underDefaults.refusedForRate, label).toBe(0);
    expect(Array.from(degrees(underDefaults.graph))).toEqual(
      Array.from(degrees(degreeCapOnly.graph)),
    );
  });

  it("with no cap binding it is exactly growNetwork's overlay", () => {
    const open = {
      maxDegree: Number.POSITIVE_INFINITY,
      maxAcceptsPerWindow: Number.POSITIVE_INFINITY,
      acceptWindowMs: 1,
    };
    const modelled = growUnderRule(2000, 2, storm, open, createSeededRandom(seed));
    // The model above draws with weights degree + 1.
    const grown = growNetwork({ nodes: 2000, k: 2, random: createSeededRandom(seed), shift: 1 });
    expect(Array.from(degrees(modelled.graph))).toEqual(Array.from(degrees(grown)));
  });

  it("a rate cap below maxDegree per window would flatten the hubs of a storm (why the default is maxDegree)", () => {
    const { graph, refusedForRate } = growUnderRule(
      10_000,
      2,
      storm,
      { ...defaults, maxAcceptsPerWindow: 32 },
      createSeededRandom(seed),
    );
    expect(refusedForRate, label).toBeGreaterThan(0);
    // Every accept falls in one window: no peer has more than 32 accepted plus its own 2 picks.
    expect(Math.max(...degrees(graph)), label).toBeLessThanOrEqual(34);
  });
});
