import { describe, expect, it } from "vitest";
import {
  GossipGraftSchema,
  GossipMessageSchema,
  GossipPruneSchema,
  GossipWireMessageSchema,
  MAX_IHAVE_IDS,
} from "./messages.js";

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

describe("Plumtree control messages", () => {
  const id = (n: number) => n.toString(16).padStart(32, "0");

  it("gossip.ihave: 1 to MAX_IHAVE_IDS distinct well-formed ids, nothing else", () => {
    const ok = (value: unknown) => GossipWireMessageSchema.safeParse(value).success;
    expect(ok({ type: "gossip.ihave", ids: [id(1)] })).toBe(true);
    expect(
      ok({ type: "gossip.ihave", ids: Array.from({ length: MAX_IHAVE_IDS }, (_, n) => id(n)) }),
    ).toBe(true);
    expect(
      ok({ type: "gossip.ihave", ids: Array.from({ length: MAX_IHAVE_IDS + 1 }, (_, n) => id(n)) }),
    ).toBe(false);
    expect(ok({ type: "gossip.ihave", ids: [] })).toBe(false);
    expect(ok({ type: "gossip.ihave", ids: [id(1), id(1)] })).toBe(false);
    expect(ok({ type: "gossip.ihave", ids: ["XYZ"] })).toBe(false);
    expect(ok({ type: "gossip.ihave", ids: [id(1).toUpperCase().replace(/0/g, "A")] })).toBe(false);
    expect(ok({ type: "gossip.ihave", ids: [id(1)], origin: "10.0.0.1:6000" })).toBe(false);
  });

  it("gossip.graft: exactly one well-formed id; gossip.prune: no fields", () => {
    expect(GossipGraftSchema.safeParse({ type: "gossip.graft", id: id(7) }).success).toBe(true);
    expect(GossipGraftSchema.safeParse({ type: "gossip.graft" }).success).toBe(false);
    expect(GossipGraftSchema.safeParse({ type: "gossip.graft", id: [id(7)] }).success).toBe(false);
    expect(GossipGraftSchema.safeParse({ type: "gossip.graft", id: id(7), hops: 1 }).success).toBe(
      false,
    );
    expect(GossipPruneSchema.safeParse({ type: "gossip.prune" }).success).toBe(true);
    expect(GossipPruneSchema.safeParse({ type: "gossip.prune", id: id(1) }).success).toBe(false);
  });
});
