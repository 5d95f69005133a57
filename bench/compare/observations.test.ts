import { describe, expect, it } from "vitest";
import { disseminationOf, type Message, RemovalLog } from "./observations.js";

const SEEDS = ["s1", "s2", "s3"];

describe("RemovalLog", () => {
  it("dates a removal by the last seed to log it", () => {
    const log = new RemovalLog();
    log.record("p", "s1", 1000);
    log.record("p", "s2", 1200);
    expect(log.removedEverywhere("p", SEEDS, 900)).toBeUndefined();
    log.record("p", "s3", 1100);
    expect(log.removedEverywhere("p", SEEDS, 900)).toBe(1200);
  });

  it("counts only removals logged after the kill (an earlier false removal is not a detection)", () => {
    const log = new RemovalLog();
    // Removed while alive at t = 1000 (it rejoined), killed at t = 5000.
    for (const seed of SEEDS) log.record("p", seed, 1000);
    expect(log.removedEverywhere("p", SEEDS, 5000)).toBeUndefined();
    for (const seed of SEEDS) log.record("p", seed, 9000);
    expect(log.removedEverywhere("p", SEEDS, 5000)).toBe(9000);
  });

  it("calls a removal false when the peer was never killed or was removed before its kill", () => {
    const log = new RemovalLog();
    log.record("never-killed", "s1", 1000);
    log.record("removed-before-kill", "s1", 1000);
    log.record("removed-before-kill", "s1", 6000);
    log.record("killed", "s1", 6000);
    const killedAt = new Map([
      ["removed-before-kill", 5000],
      ["killed", 5000],
    ]);
    expect(log.falseRemovals(killedAt).sort()).toEqual(["never-killed", "removed-before-kill"]);
  });
});

const message = (origin: string, stampedMs: number, delivered: [string, number][]): Message => ({
  origin,
  text: `${stampedMs}:${origin}`,
  stampedMs,
  deliveredMs: new Map(delivered),
});

describe("disseminationOf", () => {
  const peers = ["a", "b", "c"];

  it("times the messages stamped in the window that reached every other peer", () => {
    const result = disseminationOf(
      [
        message("a", 1000, [
          ["b", 1010],
          ["c", 1040],
        ]),
        message("b", 1100, [["a", 1120]]), // c never got it
        message("c", 5000, [
          ["a", 5001],
          ["b", 5002],
        ]), // after the window
      ],
      peers,
      900,
      2000,
    );
    expect(result).toEqual({ stamped: 2, complete: 1, seconds: [0.04] });
  });

  it("fails when no message stamped in the window reached every other peer", () => {
    const result = disseminationOf([message("a", 1000, [["b", 1010]])], peers, 900, 2000);
    expect(result.seconds).toEqual([]);
    expect(result.error).toBe(
      "p2p dissemination: none of the 1 messages stamped in the window reached all 2 other peers",
    );
  });

  it("fails when no message was stamped in the window", () => {
    expect(disseminationOf([], peers, 900, 2000).error).toBe(
      "p2p dissemination: no message was stamped in the window",
    );
  });
});
