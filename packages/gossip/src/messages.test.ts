import { describe, expect, it } from "vitest";
import { GossipMessageSchema } from "./messages.js";

const message = (origin: string) => ({
  type: "gossip.message",
  id: "0".repeat(32),
  origin,
  payload: new Uint8Array([1]),
  hops: 0,
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
