import { describe, expect, it } from "vitest";
import { listPage } from "./list-pages.js";
import { createLocalView } from "./local-view.js";
import type { MemberRecord } from "./messages.js";

const record = (address: string, neighbours: string[] = []): MemberRecord => ({
  address,
  status: "alive",
  incarnation: 0,
  neighbours,
  changedAt: 0,
});
const ballot = (counter: number) => ({ counter, proposer: "10.0.0.1:5000" });

describe("createLocalView list", () => {
  it("hands out one sorted list until a change, then a list with the change", () => {
    const view = createLocalView(new Map());
    view.learn("10.0.0.9:1", ballot(1), record("10.0.0.9:1"));
    view.learn("10.0.0.2:1", ballot(1), record("10.0.0.2:1"));
    const first = view.list();
    expect(first.map((entry) => entry.record.address)).toEqual(["10.0.0.2:1", "10.0.0.9:1"]);
    expect(view.list()).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);

    // A stale ballot changes nothing: the same list.
    view.learn("10.0.0.2:1", ballot(1), record("10.0.0.2:1", ["10.0.0.9:1"]));
    expect(view.list()).toBe(first);

    view.learn("10.0.0.2:1", ballot(2), record("10.0.0.2:1", ["10.0.0.9:1"]));
    view.learn("10.0.0.5:1", ballot(1), record("10.0.0.5:1"));
    const second = view.list();
    expect(second.map((entry) => entry.record.address)).toEqual([
      "10.0.0.2:1",
      "10.0.0.5:1",
      "10.0.0.9:1",
    ]);
    expect(second[0]?.record.neighbours).toEqual(["10.0.0.9:1"]);
    expect(second[0]?.version).toBe(2);
    // Pages of the new list carry the new record, not a size or entry kept for the old one.
    expect(listPage(second, {}).members[0]?.record.neighbours).toEqual(["10.0.0.9:1"]);

    view.learn("10.0.0.5:1", ballot(2), null);
    expect(view.list().map((entry) => entry.record.address)).toEqual(["10.0.0.2:1", "10.0.0.9:1"]);
  });
});
