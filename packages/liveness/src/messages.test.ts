import { describe, expect, it } from "vitest";
import { LivenessMessageSchema } from "./messages.js";

const voteRequest = (suspect: string) => ({
  type: "liveness.vote-request",
  suspect,
  incarnation: 1,
  round: "0123456789abcdef",
});
const pong = (neighbours: string[]) => ({
  type: "liveness.pong",
  sequence: 1,
  sentAtMs: 0,
  incarnation: 1,
  neighbours,
});

describe("LivenessMessageSchema addresses", () => {
  it("accepts IPv4, bracketed IPv6 and hostname addresses", () => {
    for (const address of ["10.0.0.1:6000", "[::1]:6000", "peer-7.example.org:6000"]) {
      expect(LivenessMessageSchema.safeParse(voteRequest(address)).success, address).toBe(true);
      expect(LivenessMessageSchema.safeParse(pong([address])).success, address).toBe(true);
    }
  });

  it("rejects a port out of range, a missing port and non-canonical spellings", () => {
    for (const address of ["10.0.0.1:99999", "10.0.0.1:0", "10.0.0.1", "::1:6000", "Peer:6000"]) {
      expect(LivenessMessageSchema.safeParse(voteRequest(address)).success, address).toBe(false);
      expect(LivenessMessageSchema.safeParse(pong([address])).success, address).toBe(false);
    }
  });
});
