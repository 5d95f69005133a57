import { describe, expect, it } from "vitest";
import { GossipMessageSchema } from "./messages.js";

const message = (origin: string) => ({
  type: "gossip.message",
  id: "0".repeat(32),
  origin,
  payload: new Uint8Array([1]),
  hops: 0,
  signature: "ab".repeat(64),
});

describe("GossipMessageSchema signature", () => {
  it("is required: 64 bytes as 128 lower-case hex digits", () => {
    const { signature: _, ...unsigned } = message("10.0.0.1:6000");
    expect(GossipMessageSchema.safeParse(unsigned).success).toBe(false);
    for (const signature of ["ab".repeat(63), "AB".repeat(64), `${"ab".repeat(63)}zz`]) {
      expect(
        GossipMessageSchema.safeParse({ ...message("10.0.0.1:6000"), signature }).success,
      ).toBe(false);
    }
  });
});

describe("GossipMessageSchema origin", () => {
  it("accepts IPv4, bracketed IPv6 and hostname addresses", () => {
    for (const origin of ["10.0.0.1:6000", "[::1]:6000", "seed-1.example.org:6000"]) {
      expect(GossipMessageSchema.safeParse(message(origin)).success, origin).toBe(true);
    }
  });

  it("rejects a port out of range, a missing port and non-canonical spellings", () => {
    for (const origin of ["10.0.0.1:99999", "10.0.0.1:0", "10.0.0.1", "::1:6000", "Seed:6000"]) {
      expect(GossipMessageSchema.safeParse(message(origin)).success, origin).toBe(false);
    }
  });
});
