import { describe, expect, it } from "vitest";
import { createCompaction, isCompaction } from "./compaction.js";
import type { MemberRecord } from "./messages.js";

const RETENTION = 10_000;
const INTERVAL = 1_000;
const record = (address: string, status: MemberRecord["status"], changedAt: number) =>
  ({
    address,
    status,
    incarnation: 1,
    neighbours: status === "alive" ? [] : ["10.0.0.9:1"],
    changedAt,
    ...(status === "dead" ? { evidence: { votes: [] } } : {}),
  }) satisfies MemberRecord;

describe("createCompaction", () => {
  it("looks one interval after a tombstone is learned, and lists nothing before that", () => {
    const compaction = createCompaction({ retentionMs: RETENTION, intervalMs: INTERVAL }, false);
    expect(compaction.nextDeadline()).toBeUndefined();
    compaction.tombstoneLearned(500);
    compaction.tombstoneLearned(700); // a look is already due: it stays
    expect(compaction.nextDeadline()).toBe(1_500);
    let listed = 0;
    const records = () => {
      listed += 1;
      return [];
    };
    expect(compaction.due(1_499, 0, records)).toEqual([]);
    expect(listed).toBe(0);
  });

  it("compacts tombstones past the retention; looks again when the next one falls due", () => {
    const compaction = createCompaction({ retentionMs: RETENTION, intervalMs: INTERVAL }, true);
    expect(compaction.nextDeadline()).toBe(0); // a restart with tombstones looks at once
    const wallOffsetMs = 1_000_000; // wall time = now + offset
    const now = 20_000;
    const wall = now + wallOffsetMs;
    const records = [
      record("10.0.0.1:1", "dead", wall - RETENTION), // exactly the retention: due
      record("10.0.0.2:1", "left", wall - RETENTION - 5),
      record("10.0.0.3:1", "dead", wall - 4_000), // due in 6 s
      record("10.0.0.4:1", "alive", 0), // never
      { address: "10.0.0.5:1", status: "dead", incarnation: 2, neighbours: [], changedAt: 0 }, // compacted
    ] satisfies MemberRecord[];
    const due = compaction.due(now, wallOffsetMs, () => records);
    expect(due.map((entry) => entry.key)).toEqual(["10.0.0.1:1", "10.0.0.2:1"]);
    expect(new Set(due.map((entry) => entry.operationId)).size).toBe(2);
    expect(due.every((entry) => isCompaction(entry.operationId))).toBe(true);
    expect(isCompaction("catch-up:10.0.0.1:1")).toBe(false);
    // The change rewrites the old tombstone to address + status + incarnation.
    const [first] = due;
    expect(first?.change(records[0])).toMatchObject({
      ok: true,
      value: { address: "10.0.0.1:1", status: "dead", incarnation: 1, neighbours: [] },
    });
    expect(compaction.nextDeadline()).toBe(now + 6_000);
  });

  it("never looks again sooner than one interval", () => {
    const compaction = createCompaction({ retentionMs: RETENTION, intervalMs: INTERVAL }, true);
    const records = [record("10.0.0.3:1", "dead", 100 - RETENTION + 10)]; // due 10 ms later
    expect(compaction.due(100, 0, () => records)).toEqual([]);
    expect(compaction.nextDeadline()).toBe(100 + INTERVAL);
    // Nothing left to wait for: no deadline.
    expect(compaction.due(1_100, 0, () => [])).toEqual([]);
    expect(compaction.nextDeadline()).toBeUndefined();
  });
});
