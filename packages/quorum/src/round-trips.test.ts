import { describe, expect, it } from "vitest";
import { createRoundTrips } from "./round-trips.js";

const estimate = () => createRoundTrips({ minimumMs: 200, maximumMs: 3_000, maxPending: 2 });

describe("round-trip estimate of a proposer", () => {
  it("starts at the minimum and grows to slow round trips, late answers included", () => {
    const trips = estimate();
    expect(trips.timeoutMs()).toBe(200);
    trips.sent(0, "a#1", "prepare");
    trips.answered(300, "a#1", "prepare"); // came after a 200 ms timeout: still a sample
    expect(trips.timeoutMs()).toBe(300 + 4 * 150);
    trips.answered(900, "a#1", "prepare"); // a second answer of the same phase: not sampled
    expect(trips.timeoutMs()).toBe(900);
  });

  it("stays between its minimum and maximum", () => {
    const fast = estimate();
    fast.sent(0, "a#1", "accept");
    fast.answered(2, "a#1", "accept");
    expect(fast.timeoutMs()).toBe(200);
    const slow = estimate();
    slow.sent(0, "a#1", "accept");
    slow.answered(5_000, "a#1", "accept");
    expect(slow.timeoutMs()).toBe(3_000);
  });

  it("ignores answers to phases it never sent or no longer remembers", () => {
    const trips = estimate();
    trips.answered(500, "stranger#9", "prepare");
    trips.sent(0, "a#1", "prepare");
    trips.answered(400, "a#1", "accept"); // the other phase of that attempt
    expect(trips.timeoutMs()).toBe(200);
    trips.sent(10, "a#2", "prepare");
    trips.sent(20, "a#3", "prepare"); // three pending, two remembered: a#1 is forgotten
    trips.answered(1_000, "a#1", "prepare");
    expect(trips.timeoutMs()).toBe(200);
  });
});
