import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.js";
import { createMachineHost, createTimeGuard, type Machine } from "./machine.js";

/** A hand-driven clock: timers run when `advance` passes them. */
function manualClock() {
  let now = 0;
  let timers: Array<{ at: number; run: () => void; isCancelled: boolean }> = [];
  const clock: Clock = {
    now: () => now,
    setTimer(delayMs, run) {
      const timer = { at: now + Math.max(0, delayMs), run, isCancelled: false };
      timers.push(timer);
      return { cancel: () => (timer.isCancelled = true) };
    },
  };
  return {
    clock,
    advance(toMs: number) {
      for (;;) {
        const due = timers
          .filter((timer) => !timer.isCancelled && timer.at <= toMs)
          .sort((a, b) => a.at - b.at)[0];
        if (due === undefined) break;
        timers = timers.filter((timer) => timer !== due);
        now = due.at;
        due.run();
      }
      now = toMs;
    },
    armed: () => timers.filter((timer) => !timer.isCancelled).length,
  };
}

type Input = { type: "tick"; now: number } | { type: "echo"; now: number; text: string };

/** Echoes every input as text; wants a tick every 100 ms. */
function echoMachine(): Machine<Input, string, { inputs: number }> {
  let inputs = 0;
  let last = 0;
  return {
    step(input) {
      inputs++;
      last = input.now;
      return [input.type === "echo" ? `${input.now}:${input.text}` : `${input.now}:tick`];
    },
    nextDeadline: () => last + 100,
    inspect: () => ({ inputs }),
  };
}

/** An echo machine on a host over a manual clock, recording what it applies. */
function echoHost() {
  const time = manualClock();
  const applied: string[] = [];
  const host = createMachineHost({
    clock: time.clock,
    machine: echoMachine(),
    apply: (output) => applied.push(output),
  });
  return { time, applied, host };
}

describe("createMachineHost", () => {
  it("applies outputs in order and ticks the machine at its deadline", () => {
    const { time, applied, host } = echoHost();
    host.step({ type: "echo", now: 0, text: "a" });
    time.advance(250);
    expect(applied).toEqual(["0:a", "100:tick", "200:tick"]);
    expect(time.armed()).toBe(1);
  });

  it("queues an input stepped from inside apply, so outputs keep their order", () => {
    const time = manualClock();
    const applied: string[] = [];
    const host = createMachineHost({
      clock: time.clock,
      machine: echoMachine(),
      apply: (output) => {
        applied.push(output);
        if (output.endsWith(":first")) host.step({ type: "echo", now: 0, text: "nested" });
        applied.push(`after ${output}`);
      },
    });
    host.step({ type: "echo", now: 0, text: "first" });
    expect(applied).toEqual(["0:first", "after 0:first", "0:nested", "after 0:nested"]);
  });

  it("keeps its timer armed when a step throws, so the machine is ticked again", () => {
    const time = manualClock();
    const inner = echoMachine();
    let isBroken = true;
    const machine: Machine<Input, string, { inputs: number }> = {
      ...inner,
      step(input) {
        const outputs = inner.step(input);
        if (input.type === "tick" && isBroken) throw new Error("broken tick");
        return outputs;
      },
    };
    const applied: string[] = [];
    const host = createMachineHost({ clock: time.clock, machine, apply: (o) => applied.push(o) });
    host.step({ type: "echo", now: 0, text: "a" });
    expect(() => time.advance(100)).toThrow(/broken tick/);
    isBroken = false;
    time.advance(250);
    expect(applied).toEqual(["0:a", "200:tick"]);
  });

  it("arm() sets the timer at a restored machine's deadline without stepping it", () => {
    const { time, applied, host } = echoHost(); // due at 100 before its first input
    host.arm();
    expect(applied).toEqual([]);
    time.advance(100);
    expect(applied).toEqual(["100:tick"]);
  });

  it("feeds an input built from an earlier clock reading at the latest time fed", () => {
    const { applied, host } = echoHost();
    host.step({ type: "echo", now: 7, text: "later" });
    host.step({ type: "echo", now: 5, text: "read before" });
    expect(applied).toEqual(["7:later", "7:read before"]);
  });

  it("stop cancels the timer and ignores later steps", () => {
    const { time, applied, host } = echoHost();
    host.step({ type: "echo", now: 0, text: "a" });
    host.stop();
    host.step({ type: "echo", now: 0, text: "b" });
    time.advance(1_000);
    expect(applied).toEqual(["0:a"]);
    expect(time.armed()).toBe(0);
  });
});

describe("createTimeGuard", () => {
  it("accepts equal or later times and refuses earlier ones with TIME_WENT_BACKWARDS", () => {
    const guard = createTimeGuard("test");
    expect(guard(5)).toBe(5);
    expect(guard(5)).toBe(5);
    expect(guard(9)).toBe(9);
    expect(() => guard(8)).toThrowError(/time went backwards/);
    expect(() => guard(1)).toThrow(expect.objectContaining({ code: "TIME_WENT_BACKWARDS" }));
    expect(() => guard(Number.NaN)).toThrowError(/finite/);
    expect(() => guard(Number.POSITIVE_INFINITY)).toThrowError(/finite/);
  });
});
