import { describe, expect, it } from "vitest";
import { BoundedMap } from "./bounded-map.js";

describe("BoundedMap", () => {
  it("forgets the least recently set key first", () => {
    const map = new BoundedMap<string, number>(3);
    map.set("a", 1).set("b", 2).set("c", 3);
    map.set("a", 10); // a is the newest now
    map.set("d", 4); // b goes
    expect([...map.keys()]).toEqual(["c", "a", "d"]);
    expect(map.peek("b")).toBeUndefined();
    expect(map.peek("a")).toBe(10);
    expect(map.size).toBe(3);
    expect([...map]).toEqual([
      ["c", 3],
      ["a", 10],
      ["d", 4],
    ]);
  });

  it("reads change no order", () => {
    const map = new BoundedMap<string, number>(2);
    map.set("a", 1).set("b", 2);
    expect(map.get("a")).toBe(1);
    expect(map.has("a")).toBe(true);
    expect(map.peek("a")).toBe(1);
    map.set("c", 3);
    expect([...map.keys()]).toEqual(["b", "c"]);
  });

  it("deletes and clears", () => {
    const map = new BoundedMap<number, string>(5);
    map.set(1, "x").set(2, "y");
    expect(map.delete(1)).toBe(true);
    expect(map.delete(1)).toBe(false);
    map.clear();
    expect(map.size).toBe(0);
  });

  it("refuses a bound that is not a positive integer", () => {
    expect(() => new BoundedMap(0)).toThrow(/maxEntries/);
    expect(() => new BoundedMap(1.5)).toThrow(/maxEntries/);
  });
});
