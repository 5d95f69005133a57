import { describe, expect, it } from "vitest";
import { createOutputFilter } from "./output-filter.js";

describe("createOutputFilter", () => {
  it("shows a removal the three seeds log once, and again when it happens later", () => {
    let time = 0;
    const filter = createOutputFilter({ isVerbose: () => false, now: () => time });
    const removed = (seed: number) =>
      `2026-12-02T07:00:00.000Z [seed 127.0.0.1:${seed}] removed 127.0.0.1:6001 (dead, incarnation 0)`;
    expect([removed(5000), removed(5001), removed(5002)].map(filter.classify)).toEqual([
      "show",
      "hide",
      "hide",
    ]);
    time = 60_000;
    expect(filter.classify(removed(5001))).toBe("show");
  });

  it("hides chatter unless verbose, and always sends problems to the error stream", () => {
    let isVerbose = false;
    const filter = createOutputFilter({ isVerbose: () => isVerbose });
    const delivered = "2026-12-02T07:00:00.000Z [peer 127.0.0.1:6000] received from a: hi";
    const warning = "2026-12-02T07:00:00.000Z [seed 127.0.0.1:5000] warning: operation failed";
    const dead = "2026-12-02T07:00:00.000Z [peer 127.0.0.1:6000] Dead Node:127.0.0.1:6001:1:x";
    expect([delivered, warning, dead].map(filter.classify)).toEqual(["hide", "problem", "show"]);
    isVerbose = true;
    expect([delivered, warning].map(filter.classify)).toEqual(["show", "problem"]);
  });
});
