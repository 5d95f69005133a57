import { createSimulation } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import { zeroBallot } from "../src/index.js";
import { createSimulatedStorage } from "./simulated-storage.js";

const state = (counter: number) => ({ promised: { ...zeroBallot, counter }, accepted: null });

describe("simulated storage", () => {
  it("completes saves later, in the order issued, and calls back then", () => {
    const sim = createSimulation({ seed: 1, link: {} });
    const storage = createSimulatedStorage(sim.clockFor("10.0.0.1:5000"), sim.random("disk"), 30);
    const done: number[] = [];
    for (const counter of [1, 2, 3]) {
      const completion = storage.save("k", state(counter));
      completion?.then(() => done.push(counter));
    }
    expect(storage.loadAll().size).toBe(0);
    sim.runFor(30);
    expect(done).toEqual([1, 2, 3]);
    expect(storage.loadAll().get("k")?.promised.counter).toBe(3);
  });

  it("loses the saves still in flight when its seed crashes", () => {
    const sim = createSimulation({ seed: 2, link: {} });
    const storage = createSimulatedStorage(sim.clockFor("10.0.0.1:5000"), sim.random("disk"), 30);
    storage.save("k", state(1));
    sim.runFor(30);
    let isCalledBack = false;
    storage.save("k", state(2))?.then(() => {
      isCalledBack = true;
    });
    sim.crash("10.0.0.1:5000");
    storage.crash();
    sim.restart("10.0.0.1:5000");
    sim.runFor(100);
    expect(isCalledBack).toBe(false);
    expect(storage.loadAll().get("k")?.promised.counter).toBe(1);
    expect(storage.lostSaves).toBe(1);
  });

  it("is durable on return without a delay", () => {
    const sim = createSimulation({ seed: 3, link: {} });
    const storage = createSimulatedStorage(sim.clockFor("10.0.0.1:5000"), sim.random("disk"), 0);
    expect(storage.save("k", state(1))).toBeUndefined();
    expect(storage.completedSaves).toBe(1);
  });
});
