import { describe, expect, it } from "vitest";
import { MAX_BALLOT_COUNTER } from "./ballot.js";
import { QuorumMessageSchema } from "./messages.js";

const registerRequest = (address: string, neighbours: string[] = []) => ({
  type: "quorum.register-request",
  requestId: "r1",
  address,
  neighbours,
});
const prepare = (key: string) => ({
  type: "quorum.prepare",
  requestId: "p1",
  key,
  ballot: { counter: 1, proposer: "10.8.0.1:7000" },
});

describe("QuorumMessageSchema addresses", () => {
  it("accepts IPv4, bracketed IPv6 and hostname addresses", () => {
    for (const address of ["10.0.0.1:6000", "[::1]:6000", "peer-7.example.org:6000"]) {
      expect(QuorumMessageSchema.safeParse(registerRequest(address)).success, address).toBe(true);
      expect(QuorumMessageSchema.safeParse(prepare(address)).success, address).toBe(true);
    }
  });

  it("rejects anything that is not a canonical host:port", () => {
    for (const address of ["not an address", "10.0.0.1", "10.0.0.1:99999", "::1:6000", "A:1"]) {
      expect(QuorumMessageSchema.safeParse(registerRequest(address)).success, address).toBe(false);
      expect(QuorumMessageSchema.safeParse(prepare(address)).success, address).toBe(false);
      const neighbour = registerRequest("10.0.0.1:6000", [address]);
      expect(QuorumMessageSchema.safeParse(neighbour).success, address).toBe(false);
    }
  });
});

describe("QuorumMessageSchema ballots", () => {
  it("refuses a ballot counter past MAX_BALLOT_COUNTER (it would wedge a proposer)", () => {
    const at = (counter: number) => ({
      ...prepare("10.0.0.1:6000"),
      ballot: { counter, proposer: "10.8.0.1:7000" },
    });
    expect(QuorumMessageSchema.safeParse(at(MAX_BALLOT_COUNTER)).success).toBe(true);
    expect(QuorumMessageSchema.safeParse(at(MAX_BALLOT_COUNTER + 1)).success).toBe(false);
    expect(QuorumMessageSchema.safeParse(at(Number.MAX_SAFE_INTEGER)).success).toBe(false);
  });
});
