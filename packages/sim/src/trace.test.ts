import { describe, expect, it } from "vitest";
import { TraceHash } from "./trace.js";

/** Reference FNV-1a 64 over UTF-16 code units, with BigInt. */
function reference(entries: readonly string[]): string {
  let hash = 0xcbf29ce484222325n;
  for (const entry of entries) {
    const units = [...Array.from({ length: entry.length }, (_, i) => entry.charCodeAt(i)), 0x0a];
    for (const unit of units) {
      hash ^= BigInt(unit);
      hash = (hash * 0x100000001b3n) & 0xffffffffffffffffn;
    }
  }
  return hash.toString(16).padStart(16, "0");
}

describe("TraceHash", () => {
  it("matches a BigInt FNV-1a 64 reference", () => {
    const entries = ["send 0 1 a b", "deliver 10.5 1 a b", "é ✓ \u{1f600}", ""];
    const trace = new TraceHash(true);
    for (const entry of entries) trace.add(entry);
    expect(trace.hex()).toBe(reference(entries));
    expect(trace.length).toBe(4);
    expect(trace.recorded()).toEqual(entries);
  });

  it("starts at the FNV offset basis and depends on order", () => {
    expect(new TraceHash(false).hex()).toBe("cbf29ce484222325");
    const ab = new TraceHash(false);
    ab.add("a");
    ab.add("b");
    const ba = new TraceHash(false);
    ba.add("b");
    ba.add("a");
    expect(ab.hex()).not.toBe(ba.hex());
  });
});

describe("TraceHash.addEvent", () => {
  it("is deterministic and sensitive to every field", () => {
    const hashOf = (kind: string, time: number, id: number, first: string, second: string) => {
      const trace = new TraceHash(false);
      trace.addEvent(kind, time, id, first, second);
      return trace.hex();
    };
    const base = hashOf("send", 12.5, 7, "a:1", "b:1");
    expect(hashOf("send", 12.5, 7, "a:1", "b:1")).toBe(base);
    const variants = [
      hashOf("deliver", 12.5, 7, "a:1", "b:1"),
      hashOf("send", 12.500000001, 7, "a:1", "b:1"),
      hashOf("send", 12.5, 8, "a:1", "b:1"),
      hashOf("send", 12.5, 7 + 2 ** 32, "a:1", "b:1"),
      hashOf("send", 12.5, 7, "b:1", "a:1"),
    ];
    expect(new Set([base, ...variants]).size).toBe(variants.length + 1);
  });

  it("records a readable entry when recording", () => {
    const trace = new TraceHash(true);
    trace.addEvent("send", 3, 1, "a", "b");
    expect(trace.recorded()).toEqual(["send 3 1 a b"]);
  });
});
