import { P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createSimulation } from "./simulation.js";

const A = "10.0.0.1:5000";
const B = "10.0.0.2:5000";
const C = "10.0.0.3:5000";

function recorder(sim: ReturnType<typeof createSimulation<string>>, addresses: readonly string[]) {
  const received = new Map<string, { from: string; message: string; at: number }[]>();
  for (const address of addresses) {
    received.set(address, []);
    sim.addNode(address, (from, message) =>
      received.get(address)?.push({ from, message, at: sim.now() }),
    );
  }
  return (address: string) => received.get(address) ?? [];
}

describe("createSimulation", () => {
  it("validates its config and reports the failing field", () => {
    expect(() => createSimulation({ seed: 1.5 })).toThrow(/seed/);
    expect(() => createSimulation({ seed: 1, link: { lossRate: 2 } })).toThrow(/link\.lossRate/);
    expect(() => createSimulation({ seed: 1, link: { latencyMs: -1 } })).toThrow(P2pError);
    const sim = createSimulation({ seed: 1 });
    expect(sim.config.link.latencyMs).toBe(10);
    expect(Object.isFrozen(sim.config)).toBe(true);
  });

  it("delivers after latency plus jitter, in virtual time", () => {
    const sim = createSimulation<string>({ seed: 3, link: { latencyMs: 10, jitterMs: 5 } });
    const inbox = recorder(sim, [A, B]);
    sim.send(A, B, "hello");
    expect(sim.now()).toBe(0);
    expect(inbox(B)).toEqual([]);
    expect(sim.runUntilIdle()).toBe(true);
    const [arrival] = inbox(B);
    expect(arrival?.message).toBe("hello");
    expect(arrival?.from).toBe(A);
    expect(arrival?.at).toBeGreaterThanOrEqual(10);
    expect(arrival?.at).toBeLessThan(15);
    expect(sim.stats).toMatchObject({ sent: 1, delivered: 1, dropped: 0, duplicated: 0 });
  });

  it("runs timers in time order and equal times in scheduling order", () => {
    const sim = createSimulation({ seed: 1 });
    const order: string[] = [];
    sim.clock.setTimer(20, () => order.push("20"));
    sim.clock.setTimer(5, () => order.push("5a"));
    sim.clock.setTimer(5, () => order.push("5b"));
    const cancelled = sim.clock.setTimer(7, () => order.push("7"));
    cancelled.cancel();
    sim.clock.setTimer(-3, () => order.push("now"));
    sim.runFor(10);
    expect(order).toEqual(["now", "5a", "5b"]);
    expect(sim.now()).toBe(10);
    expect(sim.pending).toBe(1);
    sim.runUntilIdle();
    expect(order).toEqual(["now", "5a", "5b", "20"]);
    expect(sim.now()).toBe(20);
  });

  it("runUntil stops as soon as the predicate holds, or at the timeout", () => {
    const sim = createSimulation({ seed: 1 });
    let ticks = 0;
    const tick = () => {
      ticks++;
      sim.clock.setTimer(100, tick);
    };
    sim.clock.setTimer(100, tick);
    expect(sim.runUntil(() => ticks === 3, { timeoutMs: 10_000 })).toBe(true);
    expect(sim.now()).toBe(300);
    expect(sim.runUntil(() => ticks === 1000, { timeoutMs: 1_000 })).toBe(false);
    expect(sim.now()).toBe(1_300);
    expect(ticks).toBe(13);
    expect(sim.runUntilIdle({ maxTimeMs: 250 })).toBe(false);
    expect(sim.now()).toBe(1_550);
  });

  it("refuses to run from inside an event", () => {
    const sim = createSimulation({ seed: 1 });
    let caught: unknown;
    sim.clock.setTimer(1, () => {
      try {
        sim.runFor(1);
      } catch (error) {
        caught = error;
      }
    });
    sim.runUntilIdle();
    expect(P2pError.is(caught, "REENTRANT_CALL")).toBe(true);
  });

  it("gives the same trace hash for the same seed and different hashes for different seeds", () => {
    const run = (seed: number) => {
      const sim = createSimulation<number>({
        seed,
        link: { latencyMs: 5, jitterMs: 20, lossRate: 0.1, duplicateRate: 0.1, reorderRate: 0.2 },
      });
      const nodes = Array.from({ length: 20 }, (_, index) => `10.0.0.${index + 1}:7000`);
      const random = sim.random("workload");
      for (const node of nodes) {
        sim.addNode(node, (_from, hops) => {
          if (hops > 0)
            sim.send(node, nodes[Math.floor(random.next() * nodes.length)] as string, hops - 1);
        });
      }
      for (const node of nodes)
        sim.send(node, nodes[Math.floor(random.next() * nodes.length)] as string, 10);
      sim.runUntilIdle();
      return { hash: sim.traceHash(), stats: sim.stats };
    };
    const first = run(11);
    expect(run(11)).toEqual(first);
    expect(run(12).hash).not.toBe(first.hash);
    expect(first.stats.delivered).toBeGreaterThan(0);
  });

  it("derives independent, cached streams per label", () => {
    const one = createSimulation({ seed: 5 });
    const two = createSimulation({ seed: 5 });
    expect(one.random("a")).toBe(one.random("a"));
    const fromOne = [one.random("a").next(), one.random("a").next()];
    expect([two.random("a").next(), two.random("a").next()]).toEqual(fromOne);
    expect(createSimulation({ seed: 5 }).random("b").next()).not.toBe(fromOne[0]);
  });

  it("drops exactly the traffic a two-way partition cuts", () => {
    const sim = createSimulation<string>({ seed: 9 });
    const left = ["10.0.1.1:1", "10.0.1.2:1", "10.0.1.3:1"];
    const right = ["10.0.2.1:1", "10.0.2.2:1"];
    const everyone = [...left, ...right];
    const inbox = recorder(sim, everyone);
    sim.partition(left, right);
    let expectedCut = 0;
    for (const from of everyone) {
      for (const to of everyone) {
        if (from === to) continue;
        sim.send(from, to, `${from}>${to}`);
        if (left.includes(from) !== left.includes(to)) expectedCut++;
      }
    }
    sim.runUntilIdle();
    for (const to of everyone) {
      const expected = everyone
        .filter((from) => from !== to && left.includes(from) === left.includes(to))
        .map((from) => `${from}>${to}`);
      expect(
        inbox(to)
          .map((entry) => entry.message)
          .sort(),
      ).toEqual(expected.sort());
    }
    expect(sim.stats.dropped).toBe(expectedCut);
    expect(sim.stats.droppedBy.partition).toBe(expectedCut);
    expect(sim.stats.delivered).toBe(everyone.length * (everyone.length - 1) - expectedCut);

    sim.heal();
    sim.send(left[0] as string, right[0] as string, "after heal");
    sim.runUntilIdle();
    expect(inbox(right[0] as string).map((entry) => entry.message)).toContain("after heal");
  });

  it("cuts only A to B in a one-way partition, and partitions by host too", () => {
    const sim = createSimulation<string>({ seed: 2 });
    const inbox = recorder(sim, [A, B, C]);
    const partition = sim.partition(["10.0.0.1"], [B], { oneWay: true });
    sim.send(A, B, "a>b");
    sim.send(B, A, "b>a");
    sim.send(A, C, "a>c");
    sim.runUntilIdle();
    expect(inbox(B)).toEqual([]);
    expect(inbox(A).map((entry) => entry.message)).toEqual(["b>a"]);
    expect(inbox(C).map((entry) => entry.message)).toEqual(["a>c"]);
    expect(sim.stats.droppedBy.partition).toBe(1);
    partition.heal();
    sim.send(A, B, "a>b again");
    sim.runUntilIdle();
    expect(inbox(B).map((entry) => entry.message)).toEqual(["a>b again"]);
  });

  it("crash drops in-flight inbound messages and silences the node until restart", () => {
    const sim = createSimulation<string>({ seed: 4, link: { latencyMs: 10 } });
    const inbox = recorder(sim, [A, B]);
    sim.send(A, B, "in flight");
    sim.runFor(5);
    sim.crash(B);
    expect(sim.isUp(B)).toBe(false);
    expect(sim.isUp(A)).toBe(true);
    sim.send(B, A, "from the dead");
    sim.send(A, B, "to the dead");
    sim.runFor(20);
    expect(inbox(A)).toEqual([]);
    expect(inbox(B)).toEqual([]);
    expect(sim.stats.droppedBy).toMatchObject({ crashed: 2, "sender-down": 1 });

    // a message sent while B was down stays lost even if B restarts before it would arrive
    sim.send(A, B, "sent while down");
    sim.restart(B);
    sim.send(A, B, "after restart");
    sim.send(B, A, "back");
    sim.runUntilIdle();
    expect(inbox(B).map((entry) => entry.message)).toEqual(["after restart"]);
    expect(inbox(A).map((entry) => entry.message)).toEqual(["back"]);
  });

  it("crashing a host takes down every node on it; node clocks lose their timers", () => {
    const sim = createSimulation<string>({ seed: 4 });
    const inbox = recorder(sim, [A, "10.0.0.1:5001", B]);
    const fired: string[] = [];
    sim.clockFor(A).setTimer(50, () => fired.push("node timer"));
    sim.clock.setTimer(50, () => fired.push("global timer"));
    sim.crash("10.0.0.1");
    expect(sim.isUp(A)).toBe(false);
    expect(sim.isUp("10.0.0.1:5001")).toBe(false);
    sim.send(B, "10.0.0.1:5001", "x");
    sim.runUntilIdle();
    expect(inbox("10.0.0.1:5001")).toEqual([]);
    expect(fired).toEqual(["global timer"]);
    sim.restart("10.0.0.1");
    expect(sim.isUp(A)).toBe(true);
    expect(inbox(A)).toEqual([]);
  });

  it("loses messages at close to the configured rate", () => {
    const count = 20_000;
    const lossRate = 0.2;
    const sim = createSimulation<number>({ seed: 77, link: { latencyMs: 1, lossRate } });
    let delivered = 0;
    sim.addNode(B, () => delivered++);
    for (let index = 0; index < count; index++) sim.send(A, B, index);
    sim.runUntilIdle();
    const observed = sim.stats.droppedBy.loss / count;
    // binomial standard deviation is sqrt(0.2 * 0.8 / 20000) ≈ 0.0028; allow five of them
    expect(Math.abs(observed - lossRate)).toBeLessThan(0.015);
    expect(delivered + sim.stats.dropped).toBe(count);
  });

  it("duplicates and reorders at the configured rates", () => {
    const count = 10_000;
    const sim = createSimulation<number>({
      seed: 78,
      link: { latencyMs: 10, duplicateRate: 0.1, reorderRate: 0.3, reorderDelayMs: 50 },
    });
    const order: number[] = [];
    sim.addNode(B, (_from, index) => order.push(index));
    for (let index = 0; index < count; index++) {
      sim.clock.setTimer(index, () => sim.send(A, B, index));
    }
    sim.runUntilIdle();
    expect(Math.abs(sim.stats.duplicated / count - 0.1)).toBeLessThan(0.015);
    expect(order.length).toBe(count + sim.stats.duplicated);
    const inversions = order.filter(
      (value, index) => index > 0 && value < (order[index - 1] as number),
    ).length;
    expect(inversions).toBeGreaterThan(count * 0.05);
    const ids = new Set(order);
    expect(ids.size).toBe(count);
  });

  it("inOrder: messages between two endpoints arrive in the order sent, whatever their jitter", () => {
    const count = 1_000;
    const arrivals = (inOrder: boolean) => {
      const sim = createSimulation<number>({
        seed: 79,
        link: { latencyMs: 2, jitterMs: 30, inOrder },
      });
      const order: { index: number; at: number }[] = [];
      sim.addNode(B, (_from, index) => order.push({ index, at: sim.now() }));
      sim.addNode(C, () => {});
      for (let index = 0; index < count; index++) {
        sim.clock.setTimer(index, () => {
          sim.send(A, B, index);
          sim.send(A, C, index); // another link: it does not hold A → B back
        });
      }
      sim.runUntilIdle();
      return order;
    };
    const inversions = (order: { index: number }[]) =>
      order.filter((entry, i) => i > 0 && entry.index < (order[i - 1]?.index ?? 0)).length;
    expect(inversions(arrivals(false))).toBeGreaterThan(count / 10);
    const ordered = arrivals(true);
    expect(ordered.map((entry) => entry.index)).toEqual([...Array(count).keys()]);
    // Held back only as far as the message before it: never later than that one's arrival.
    for (const [i, entry] of ordered.entries()) {
      const before = ordered[i - 1];
      if (before !== undefined) expect(entry.at).toBeGreaterThanOrEqual(before.at);
      expect(entry.at).toBeLessThanOrEqual(Math.max(entry.index + 2 + 30, before?.at ?? 0));
    }
    expect(() => createSimulation({ seed: 1, link: { inOrder: true, reorderRate: 0.1 } })).toThrow(
      /inOrder/,
    );
  });

  it("setLink changes one direction only", () => {
    const sim = createSimulation<string>({ seed: 1, link: { latencyMs: 10 } });
    const inbox = recorder(sim, [A, B]);
    sim.setLink(A, B, { latencyMs: 100 });
    sim.send(A, B, "slow");
    sim.send(B, A, "fast");
    sim.runUntilIdle();
    expect(inbox(B)[0]?.at).toBe(100);
    expect(inbox(A)[0]?.at).toBe(10);
    expect(() => sim.setLink(A, B, { lossRate: -1 })).toThrow(/lossRate/);
  });

  it("keeps the counters consistent: sent + duplicated = delivered + dropped + in flight", () => {
    const sim = createSimulation<number>({
      seed: 31,
      link: { latencyMs: 20, jitterMs: 10, lossRate: 0.1, duplicateRate: 0.2 },
    });
    sim.addNode(B, () => {});
    for (let index = 0; index < 1000; index++) sim.send(A, index % 3 === 0 ? C : B, index);
    sim.runFor(15);
    sim.crash(B);
    sim.runUntilIdle();
    const { sent, duplicated, delivered, dropped, droppedBy } = sim.stats;
    expect(sent + duplicated).toBe(delivered + dropped);
    expect(droppedBy["no-node"]).toBeGreaterThan(0);
    expect(Object.values(droppedBy).reduce((sum, value) => sum + value, 0)).toBe(dropped);
  });

  it("refuses a second node at the same address", () => {
    const sim = createSimulation({ seed: 1 });
    sim.addNode(A, () => {});
    expect(() => sim.addNode(A, () => {})).toThrow(/already registered/);
    sim.removeNode(A);
    sim.addNode(A, () => {});
  });
});
