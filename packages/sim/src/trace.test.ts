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
