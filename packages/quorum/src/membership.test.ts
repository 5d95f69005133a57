import { err, ok, P2pError } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compactChange,
  createMembershipValidator,
  type EvidenceValidator,
  isCompacted,
  leaveChange,
  markDeadChange,
  registerChange,
  updateNeighboursChange,
} from "./membership.js";
import type { MemberRecord } from "./messages.js";
import type { Change } from "./proposer.js";

const address = "10.9.0.1:7000";
const pool = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000"];
const twoVotes: EvidenceValidator = (subject, evidence) => {
  const voters = (evidence as { voters?: string[] }).voters ?? [];
  const valid = new Set(voters.filter((voter) => subject.neighbours.includes(voter)));
  return valid.size >= 2 ? ok(undefined) : err(new P2pError("EVIDENCE_INVALID", "need 2 votes"));
};
const validate = createMembershipValidator(twoVotes, { maxNeighbours: 8 });

const apply = (change: Change, current: MemberRecord | undefined) => {
  const result = change(current);
  if (!result.ok) throw result.error;
  return result.value;
};

describe("membership changes", () => {
  it("registers, is idempotent, and rejoins a tombstone as the next incarnation", () => {
    const first = apply(registerChange(address, { neighbours: pool }, 1), undefined);
    expect(first).toMatchObject({ status: "alive", incarnation: 0, neighbours: pool });
    expect(apply(registerChange(address, { neighbours: pool }, 2), first)).toBe(first);
    const left = apply(leaveChange(address, 0, 3), first);
    expect(left).toMatchObject({ status: "left", incarnation: 0 });
    expect(apply(registerChange(address, {}, 4), left)).toMatchObject({
      status: "alive",
      incarnation: 1,
    });
  });

  it("refuses a different public key for a registered incarnation", () => {
    const key = "a".repeat(64);
    const first = apply(registerChange(address, { publicKey: key }, 1), undefined);
    const result = registerChange(address, { publicKey: "b".repeat(64) }, 2)(first);
    expect(result.ok === false && result.error.code).toBe("KEY_MISMATCH");
  });

  it("marks dead only with valid evidence and the current incarnation", () => {
    const alive = apply(registerChange(address, { neighbours: pool }, 1), undefined);
    const bad = markDeadChange(address, 0, { voters: [pool[0]] }, twoVotes, 2)(alive);
    expect(bad.ok === false && bad.error.code).toBe("EVIDENCE_INVALID");
    const stale = markDeadChange(address, 3, { voters: pool }, twoVotes, 2)(alive);
    expect(stale.ok === false && stale.error.code).toBe("STALE_INCARNATION");
    const dead = apply(markDeadChange(address, 0, { voters: pool }, twoVotes, 2), alive);
    expect(dead).toMatchObject({ status: "dead", evidence: { voters: pool } });
    expect(apply(markDeadChange(address, 0, { voters: pool }, twoVotes, 3), dead)).toBe(dead);
    const update = updateNeighboursChange(address, [], 4)(dead);
    expect(update.ok === false && update.error.code).toBe("NOT_MEMBER");
  });

  it("compacts only old tombstones, keeping status and incarnation", () => {
    const alive = apply(registerChange(address, { neighbours: pool }, 1), undefined);
    expect(apply(compactChange(address, 100), alive)).toBe(alive);
    const dead = apply(markDeadChange(address, 0, { voters: pool }, twoVotes, 50), alive);
    expect(apply(compactChange(address, 10), dead)).toBe(dead); // too young
    const compacted = apply(compactChange(address, 100), dead);
    expect(compacted).toEqual({
      address,
      status: "dead",
      incarnation: 0,
      neighbours: [],
      changedAt: 50,
    });
    expect(isCompacted(compacted as MemberRecord)).toBe(true);
    expect(validate(address, dead, compacted ?? null).ok).toBe(true);
  });
});

describe("createMembershipValidator", () => {
  const alive: MemberRecord = {
    address,
    status: "alive",
    incarnation: 2,
    neighbours: pool,
    changedAt: 0,
  };

  it("refuses a removal without evidence or with evidence the validator rejects", () => {
    expect(validate(address, alive, { ...alive, status: "dead" }).ok).toBe(false);
    expect(
      validate(address, alive, { ...alive, status: "dead", evidence: { voters: ["x"] } }).ok,
    ).toBe(false);
    expect(
      validate(address, alive, { ...alive, status: "dead", evidence: { voters: pool } }).ok,
    ).toBe(true);
  });

  it("checks the votes against the acceptor's own neighbour list, not the proposer's", () => {
    const forged = {
      ...alive,
      status: "dead" as const,
      neighbours: ["10.66.0.1:7000", "10.66.0.2:7000"],
      evidence: { voters: ["10.66.0.1:7000", "10.66.0.2:7000"] },
    };
    expect(validate(address, alive, forged).ok).toBe(false);
  });

  it("never lets an incarnation decrease or a tombstone come back alive", () => {
    expect(validate(address, alive, { ...alive, incarnation: 1 }).ok).toBe(false);
    const left: MemberRecord = { ...alive, status: "left", neighbours: [] };
    expect(validate(address, left, { ...left, status: "alive" }).ok).toBe(false);
    expect(validate(address, left, { ...left, status: "alive", incarnation: 3 }).ok).toBe(true);
    expect(validate(address, alive, null).ok).toBe(false);
    expect(validate(address, alive, { ...alive, address: "10.9.0.2:7000" }).ok).toBe(false);
    expect(validate(address, alive, { ...alive, neighbours: Array(9).fill("x") }).ok).toBe(false);
  });

  it("accepts every transition an honest sequence of changes produces (property)", () => {
    const step = fc.oneof(
      fc.record({ kind: fc.constant("register"), neighbours: fc.subarray(pool) }),
      fc.record({ kind: fc.constant("update"), neighbours: fc.subarray(pool) }),
      fc.record({ kind: fc.constant("dead"), voters: fc.subarray(pool) }),
      fc.record({ kind: fc.constant("leave") }),
      fc.record({ kind: fc.constant("compact") }),
    );
    fc.assert(
      fc.property(fc.array(step, { maxLength: 30 }), (steps) => {
        let current: MemberRecord | undefined;
        let now = 0;
        for (const next of steps) {
          now += 10;
          const incarnation = current?.incarnation ?? 0;
          const change: Change =
            next.kind === "register"
              ? registerChange(address, { neighbours: next.neighbours }, now)
              : next.kind === "update"
                ? updateNeighboursChange(address, next.neighbours, now)
                : next.kind === "dead"
                  ? markDeadChange(address, incarnation, { voters: next.voters }, twoVotes, now)
                  : next.kind === "leave"
                    ? leaveChange(address, incarnation, now)
                    : compactChange(address, now);
          const result = change(current);
          if (!result.ok || result.value === undefined) continue;
          expect(validate(address, current, result.value).ok).toBe(true);
          current = result.value;
        }
      }),
      { numRuns: 300 },
    );
  });
});
