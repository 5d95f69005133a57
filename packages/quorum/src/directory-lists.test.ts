import { describe, expect, it } from "vitest";
import { createRecordQueue } from "./directory-lists.js";
import type { MemberRecord } from "./messages.js";

const record = (address: string): MemberRecord => ({
  address,
  status: "alive",
  incarnation: 0,
  neighbours: [],
  publicKey: "ab".repeat(32),
  changedAt: 0,
});

describe("record queue", () => {
  it("asks again for a missed address, doubling the wait, and drops it after the last attempt", () => {
    const queue = createRecordQueue({ retryMs: 100, attempts: 3 });
    queue.want(["10.0.1.7:6000"], "10.0.1.1:6000");
    const dueTimes: number[] = [];
    let now = 0;
    for (let fetch = 0; fetch < 3; fetch++) {
      expect(queue.take()).toEqual(["10.0.1.7:6000"]);
      queue.done([], now);
      const at = queue.nextDeadline();
      if (at === undefined) break;
      dueTimes.push(at - now);
      expect(queue.due(at - 1)).toBe(false);
      now = at;
      expect(queue.due(now)).toBe(true);
    }
    expect(dueTimes).toEqual([100, 200]);
    expect(queue.nextDeadline()).toBeUndefined();
    expect(queue.take()).toEqual([]);
  });

  it("forgets a missed address once a fetch finds it", () => {
    const queue = createRecordQueue({ retryMs: 100, attempts: 5 });
    queue.want(["10.0.1.7:6000", "10.0.1.8:6000"], "10.0.1.1:6000");
    queue.take();
    queue.done([record("10.0.1.8:6000")], 0);
    expect(queue.nextDeadline()).toBe(100);
    expect(queue.due(100)).toBe(true);
    queue.take();
    queue.done([record("10.0.1.7:6000")], 100);
    expect(queue.nextDeadline()).toBeUndefined();
  });
});
