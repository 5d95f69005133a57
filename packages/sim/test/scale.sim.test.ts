import { describe, expect, it } from "vitest";
import { createSimulation, forEachSeed } from "../src/index.js";

const replay = process.env.P2P_SEED;

describe("scale", () => {
  it("10,000 nodes each send to 5 random others and every message is delivered once", async () => {
    await forEachSeed(
      1,
      10_000,
      (seed) => {
        const nodeCount = 10_000;
        const fanOut = 5;
        const sim = createSimulation<number>({ seed, link: { latencyMs: 20, jitterMs: 30 } });
        const nodes = Array.from(
          { length: nodeCount },
          (_, index) => `10.${(index >> 16) & 255}.${(index >> 8) & 255}.${index & 255}:7000`,
        );
        const received = new Map<string, number[]>();
        const expected = new Map<string, number[]>();
        for (const node of nodes) {
          received.set(node, []);
          expected.set(node, []);
          sim.addNode(node, (_from, id) => received.get(node)?.push(id));
        }
        const random = sim.random("workload");
        let id = 0;
        for (const [index, node] of nodes.entries()) {
          const targets = new Set<number>();
          while (targets.size < fanOut) {
            const target = Math.floor(random.next() * nodeCount);
            if (target !== index) targets.add(target);
          }
          for (const target of targets) {
            const to = nodes[target] as string;
            sim.send(node, to, id);
            expected.get(to)?.push(id);
            id++;
          }
        }
        expect(sim.runUntilIdle()).toBe(true);
        expect(sim.stats).toMatchObject({
          sent: nodeCount * fanOut,
          delivered: nodeCount * fanOut,
          dropped: 0,
        });
        for (const node of nodes) {
          expect((received.get(node) ?? []).sort((a, b) => a - b)).toEqual(expected.get(node));
        }
        expect(sim.now()).toBeLessThan(50);
      },
      replay,
    );
  });

  it("a random gossip-like flood reaches everyone reachable under loss and partition, replayably", async () => {
    await forEachSeed(
      3,
      500,
      (seed) => {
        const run = () => {
          const sim = createSimulation<number>({
            seed,
            link: { latencyMs: 5, jitterMs: 10, lossRate: 0.05 },
          });
          const nodes = Array.from(
            { length: 200 },
            (_, index) => `10.1.${index >> 8}.${index & 255}:1`,
          );
          const island = nodes.slice(150);
          sim.partition(nodes.slice(0, 150), island);
          const seen = new Set<string>();
          const random = sim.random("fanout");
          for (const node of nodes) {
            sim.addNode(node, (_from, round) => {
              if (seen.has(node)) return;
              seen.add(node);
              for (let copy = 0; copy < 12; copy++) {
                sim.send(
                  node,
                  nodes[Math.floor(random.next() * nodes.length)] as string,
                  round + 1,
                );
              }
            });
          }
          sim.send(nodes[0] as string, nodes[0] as string, 0);
          sim.runUntilIdle();
          return { seen, island, hash: sim.traceHash() };
        };
        const first = run();
        for (const node of first.island) expect(first.seen.has(node)).toBe(false);
        // 150 nodes, 12 random pushes each, 5% loss: missing one is vanishingly unlikely
        expect(first.seen.size).toBe(150);
        expect(run().hash).toBe(first.hash);
      },
      replay,
    );
  });
});
