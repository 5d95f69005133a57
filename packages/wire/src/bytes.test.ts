import { describe, expect, it } from "vitest";
import { allocBytes } from "./bytes.js";

describe("allocBytes", () => {
  it("hands out zero-filled arrays of the asked length that never overlap", () => {
    const arrays = Array.from({ length: 500 }, (_, index) => allocBytes(1 + ((index * 37) % 300)));
    arrays.forEach((bytes, index) => {
      expect(bytes.length).toBe(1 + ((index * 37) % 300));
      expect(bytes.every((byte) => byte === 0)).toBe(true);
      bytes.fill((index % 255) + 1);
    });
    // Writing every array left every other array's bytes alone.
    arrays.forEach((bytes, index) => {
      expect(bytes.every((byte) => byte === (index % 255) + 1)).toBe(true);
    });
  });

  it("gives long arrays their own buffer", () => {
    const bytes = allocBytes(100_000);
    expect(bytes.length).toBe(100_000);
    expect(bytes.byteOffset).toBe(0);
    expect(bytes.buffer.byteLength).toBe(100_000);
  });
});
