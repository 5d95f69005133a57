import { describe, expect, it } from "vitest";
import { createSignatureCache } from "./vote.js";

describe("createSignatureCache", () => {
  it("holds at most maxEntries and evicts the oldest entry first", () => {
    const cache = createSignatureCache(2);
    cache.add("a");
    cache.add("b");
    expect(cache.has("a")).toBe(true); // a lookup does not refresh an entry
    cache.add("a"); // nor does adding it again
    cache.add("c");
    expect(cache.size).toBe(2);
    expect(cache.has("a")).toBe(false);
    expect(cache.has("b")).toBe(true);
    expect(cache.has("c")).toBe(true);
  });
});
