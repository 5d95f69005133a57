import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createSimulation } from "../src/index.js";

const seedFromEnvironment =
  process.env.P2P_SEED === undefined ? {} : { seed: Number(process.env.P2P_SEED) };
const NODES = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1", "10.0.0.5:1"];

const node = fc.integer({ min: 0, max: NODES.length - 1 });
const operation = fc.oneof(
  { weight: 6, arbitrary: fc.record({ type: fc.constant("send" as const), from: node, to: node }) },
  {
    weight: 1,
    arbitrary: fc.record({
      type: fc.constant("partition" as const),
      split: fc.integer({ min: 1, max: NODES.length - 1 }),
      oneWay: fc.boolean(),
    }),
  },
  { weight: 1, arbitrary: fc.record({ type: fc.constant("heal" as const) }) },
  {
    weight: 2,
    arbitrary: fc.record({
      type: fc.constant("run" as const),
      durationMs: fc.integer({ min: 0, max: 40 }),
    }),
  },
);

describe("faults, property-based", () => {
  it("without crashes or loss, a message is delivered exactly when its path was not cut at send time", () => {
    fc.assert(
      fc.property(fc.integer(), fc.array(operation, { maxLength: 80 }), (seed, operations) => {
        const sim = createSimulation<number>({
          seed,
          link: { latencyMs: 10, jitterMs: 20, reorderRate: 0.3 },
        });
        const received = new Set<number>();
        for (const address of NODES) sim.addNode(address, (_from, id) => received.add(id));
        const expected = new Set<number>();
        let cut: { left: Set<string>; oneWay: boolean }[] = [];
        let id = 0;
        for (const step of operations) {
          switch (step.type) {
            case "send": {
              const from = NODES[step.from] as string;
              const to = NODES[step.to] as string;
              const isCut = cut.some(
                ({ left, oneWay }) =>
                  (left.has(from) && !left.has(to)) || (!oneWay && !left.has(from) && left.has(to)),
              );
              if (!isCut) expected.add(id);
              sim.send(from, to, id++);
              break;
            }
            case "partition": {
              const left = NODES.slice(0, step.split);
              sim.partition(left, NODES.slice(step.split), { oneWay: step.oneWay });
              cut.push({ left: new Set(left), oneWay: step.oneWay });
              break;
            }
            case "heal":
              sim.heal();
              cut = [];
              break;
            case "run":
              sim.runFor(step.durationMs);
              break;
          }
        }
        sim.runUntilIdle();
        expect([...received].sort((a, b) => a - b)).toEqual([...expected].sort((a, b) => a - b));
        expect(sim.stats.droppedBy.partition).toBe(id - expected.size);
      }),
      { numRuns: 200, ...seedFromEnvironment },
    );
  });

  it("under any crash schedule, nothing reaches a node that is down and the counters balance", () => {
    const crashOperation = fc.oneof(
      operation,
      fc.record({ type: fc.constant("crash" as const), node }),
      fc.record({ type: fc.constant("restart" as const), node }),
    );
    fc.assert(
      fc.property(fc.integer(), fc.array(crashOperation, { maxLength: 80 }), (seed, operations) => {
        const sim = createSimulation<number>({
          seed,
          link: { latencyMs: 10, jitterMs: 20, lossRate: 0.1, duplicateRate: 0.1 },
        });
        const deliveredWhileDown: string[] = [];
        for (const address of NODES) {
          sim.addNode(address, () => {
            if (!sim.isUp(address)) deliveredWhileDown.push(address);
          });
        }
        let id = 0;
        for (const step of operations) {
          switch (step.type) {
            case "send":
              sim.send(NODES[step.from] as string, NODES[step.to] as string, id++);
              break;
            case "partition":
              sim.partition(NODES.slice(0, step.split), NODES.slice(step.split), {
                oneWay: step.oneWay,
              });
              break;
            case "heal":
              sim.heal();
              break;
            case "run":
              sim.runFor(step.durationMs);
              break;
            case "crash":
              sim.crash(NODES[step.node] as string);
              break;
            case "restart":
              sim.restart(NODES[step.node] as string);
              break;
          }
        }
        sim.runUntilIdle();
        expect(deliveredWhileDown).toEqual([]);
        const { sent, duplicated, delivered, dropped } = sim.stats;
        expect(sent).toBe(id);
        expect(sent + duplicated).toBe(delivered + dropped);
      }),
      { numRuns: 200, ...seedFromEnvironment },
    );
  });
});
