/**
 * Scripted fault scenarios of the directory: a seed that missed a removal, a tombstone whose
 * votes are too old to check again, a restart after a failed change, compaction after a
 * restart. Each runs with and without commit certificates (signed seeds).
 */
import { describe, expect, it } from "vitest";
import { isCompacted, type MemberRecord, signRequest } from "../src/index.js";
import { testKey } from "./keys.js";
import { createTrio, statusOf, type Trio } from "./trio.js";

const victim = "10.9.0.1:7000";
const neighbours = ["10.8.0.1:7000", "10.8.0.2:7000"];

const peer = testKey();
/** The victim's registration, with its own signed request (checked when seeds verify). */
const register = (trio: Trio, at: string, operationId = "join") =>
  trio.command(at, {
    type: "register",
    operationId,
    address: victim,
    publicKey: peer.publicKey,
    neighbours,
    proof: signRequest(
      {
        kind: "register",
        address: victim,
        publicKey: peer.publicKey,
        incarnation: null,
        neighbours,
        requestId: operationId,
      },
      peer.sign,
    ),
  });
const remove = (trio: Trio, at: string, operationId = "remove") =>
  trio.command(at, {
    type: "mark-dead",
    operationId,
    address: victim,
    incarnation: 0,
    evidence: { voters: neighbours, atMs: trio.now() },
  });
const read = (trio: Trio, at: string, operationId: string): string => {
  trio.command(at, { type: "read", operationId, address: victim });
  trio.run(4_000);
  const result = trio.result(at, operationId);
  if (result === undefined) return "no answer";
  return result.ok ? statusOf(result.value) : result.error.code;
};
const viewOf = (trio: Trio, at: string) => statusOf(trio.registry(at).get(victim)?.record);
const accepted = (trio: Trio, at: string): MemberRecord | null | undefined =>
  trio.registry(at).acceptorState(victim)?.accepted?.value;

describe.each([
  { mode: "unsigned", signed: false },
  { mode: "signed", signed: true },
])("after minority faults ($mode seeds)", ({ signed }) => {
  it("a seed that missed a removal reads the compacted tombstone once the proposer is gone", () => {
    const trio = createTrio({
      signed,
      registry: { tombstoneRetentionMs: 2_000, compactionIntervalMs: 500, syncIntervalMs: 600_000 },
    });
    const [a, b, c] = trio.seeds;
    register(trio, a);
    trio.run(500);
    trio.cutOff(c); // c misses the removal and the compaction
    remove(trio, a);
    trio.run(6_000);
    for (const seed of [a, b]) expect(isCompacted(accepted(trio, seed) as MemberRecord)).toBe(true);
    expect(statusOf(accepted(trio, c))).toBe("alive@0");
    trio.heal();
    trio.crash(a);
    expect(read(trio, b, "read-b")).toBe("dead@0");
    expect(read(trio, c, "read-c")).toBe("dead@0");
    expect(viewOf(trio, c)).toBe("dead@0");
  });

  it("a seed that missed a removal reads the tombstone after its votes are too old to check", () => {
    // `a` proposes the removal at once, whoever owns the record.
    const trio = createTrio({
      signed,
      registry: { syncIntervalMs: 600_000, removalOwnerGraceMs: 0 },
    });
    const [a, b, c] = trio.seeds;
    register(trio, a);
    trio.run(500);
    trio.cutOff(c);
    remove(trio, a);
    trio.run(1_000);
    expect(statusOf(accepted(trio, b))).toBe("dead@0");
    trio.run(5 * 60_000); // the votes are now older than any acceptor accepts
    trio.heal();
    trio.crash(a);
    expect(read(trio, c, "read-c")).toBe("dead@0");
    expect(viewOf(trio, c)).toBe("dead@0");
  });

  it("a restarted seed's view holds only committed changes", () => {
    const trio = createTrio({ signed, registry: { syncIntervalMs: 600_000 } });
    const [a, b, c] = trio.seeds;
    register(trio, a);
    trio.run(500);
    trio.cutOff(b, c); // a alone: its removal cannot commit
    remove(trio, a);
    trio.run(5_000);
    const failed = trio.result(a, "remove");
    expect(failed?.ok === false && failed.error.code).toBe("NO_QUORUM");
    expect(statusOf(accepted(trio, a))).toBe("dead@0"); // a's own acceptor took it
    trio.crash(a);
    trio.restart(a);
    expect(viewOf(trio, a)).toBe("absent"); // not the failed removal: a read will settle it
    trio.heal();
    trio.run(5_000); // a re-learns the record by quorum read (which may finish the removal)
    const settled = read(trio, b, "read-b");
    expect(["alive@0", "dead@0"]).toContain(settled);
    for (const seed of [a, b, c]) expect(viewOf(trio, seed)).toBe(settled);
  });

  it("compaction resumes after every seed restarts", () => {
    const trio = createTrio({
      signed,
      registry: {
        tombstoneRetentionMs: 2_000,
        compactionIntervalMs: 500,
        syncIntervalMs: 600_000,
        removalOwnerGraceMs: 0, // `a` proposes the removal at once, whoever owns the record
      },
    });
    const [a, b, c] = trio.seeds;
    register(trio, a);
    trio.run(500);
    remove(trio, a);
    trio.run(500);
    for (const seed of [a, b, c]) expect(viewOf(trio, seed)).toBe("dead@0");
    for (const seed of [a, b, c]) {
      trio.crash(seed);
      trio.restart(seed);
    }
    trio.run(10_000);
    for (const seed of [a, b, c]) {
      expect(isCompacted(accepted(trio, seed) as MemberRecord)).toBe(true);
      expect(viewOf(trio, seed)).toBe("dead@0");
    }
  });
});

describe("commit certificates between seeds", () => {
  it("a learn's attestations are kept only once they check out (a forged one never hides a true one)", () => {
    const trio = createTrio({ signed: true, registry: { syncIntervalMs: 600_000 } });
    const [a, b, c] = trio.seeds;
    register(trio, a);
    trio.run(500);
    const before = trio.registry(c).acceptorState(victim)?.accepted;
    if (before === null || before === undefined) throw new Error("c accepted nothing");
    // c accepts the same record again at a later ballot of a (its learn not yet arrived)…
    const rewrite = { counter: before.ballot.counter + 10, proposer: a };
    trio.registry(c).step({
      type: "receive",
      now: trio.now(),
      from: a,
      message: {
        type: "quorum.accept",
        requestId: "rewrite",
        key: victim,
        ballot: rewrite,
        value: before.value,
        operations: [...before.operations],
        nextBallot: null,
      },
    });
    const held = trio.registry(c).acceptorState(victim)?.accepted;
    if (held === null || held === undefined) throw new Error("c accepted nothing");
    expect(held.ballot).toEqual(rewrite);
    // …and b sends a learn of it first, with a forged attestation in a's name.
    const forged = { seed: a, signature: "ab".repeat(64) };
    trio.registry(c).step({
      type: "receive",
      now: trio.now(),
      from: b,
      message: {
        type: "quorum.learn",
        key: victim,
        ballot: held.ballot,
        value: held.value,
        attestations: [forged, ...(held.attestations ?? [])],
      },
    });
    const kept = trio.registry(c).acceptorState(victim)?.accepted?.attestations ?? [];
    expect(kept).not.toContainEqual(forged);
  });
});
