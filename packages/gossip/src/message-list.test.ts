import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createMessageList } from "./message-list.js";

describe("createMessageList", () => {
  it("evicts the oldest id when full and keeps per-origin counts exact", () => {
    const list = createMessageList({ maxEntries: 3, ttlMs: 1000 });
    list.add("1", "a", 0);
    list.add("2", "a", 1);
    list.add("3", "b", 2);
    list.add("4", "b", 3);
    expect(list.has("1")).toBe(false);
    expect([list.size, list.countOf("a"), list.countOf("b"), list.origins]).toEqual([3, 1, 2, 2]);
  });

  it("forgets an id ttlMs after it was added (time 0 included), and re-adding restarts it", () => {
    const list = createMessageList({ maxEntries: 10, ttlMs: 100 });
    list.add("1", "a", 0);
    list.add("2", "a", 50);
    list.expire(99);
    expect(list.has("1")).toBe(true);
    list.add("2", "a", 99);
    expect(list.countOf("a")).toBe(2);
    list.expire(100);
    expect([list.has("1"), list.has("2"), list.countOf("a")]).toEqual([false, true, 1]);
    list.expire(199);
    expect([list.size, list.countOf("a"), list.origins]).toEqual([0, 0, 0]);
  });

  it("property: matches a naive list (filter expired, drop oldest) under any sequence", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 6 }),
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.record({
            id: fc.integer({ min: 0, max: 9 }),
            origin: fc.constantFrom("a", "b", "c"),
            advanceMs: fc.integer({ min: 0, max: 20 }),
          }),
          { maxLength: 80 },
        ),
        (maxEntries, ttlMs, operations) => {
          const list = createMessageList({ maxEntries, ttlMs });
          let naive: { id: string; origin: string; atMs: number }[] = [];
          let now = 0;
          for (const operation of operations) {
            now += operation.advanceMs;
            list.expire(now);
            naive = naive.filter((entry) => entry.atMs + ttlMs > now);
            const id = String(operation.id);
            list.add(id, operation.origin, now);
            naive = naive.filter((entry) => entry.id !== id);
            naive.push({ id, origin: operation.origin, atMs: now });
            naive = naive.slice(-maxEntries);
            expect(list.size).toBe(naive.length);
            for (const origin of ["a", "b", "c"])
              expect(list.countOf(origin)).toBe(naive.filter((e) => e.origin === origin).length);
            for (let other = 0; other < 10; other++)
              expect(list.has(String(other))).toBe(naive.some((e) => e.id === String(other)));
          }
        },
      ),
    );
  });
});
