import type { MemberRecord } from "@p2p/quorum";
import { describe, expect, it } from "vitest";
import { mergeRecords, peerRecord, slimRecord } from "./member-keys.js";

const KEY = "ab".repeat(32);

const alive: MemberRecord = {
  address: "10.0.0.7:6000",
  status: "alive",
  incarnation: 3,
  publicKey: KEY,
  neighbours: ["10.0.0.8:6000", "10.0.0.9:6000"],
  changedAt: 1_700_000_000_000,
  proof: {
    kind: "neighbours",
    address: "10.0.0.7:6000",
    publicKey: KEY,
    incarnation: null,
    neighbours: ["10.0.0.8:6000", "10.0.0.9:6000"],
    requestId: "10.0.0.7:6000/3/12",
    signature: "cd".repeat(64),
  },
};

/** `alive` as it is without its signed request: what a peer keeps of it. */
const { proof: _proof, ...aliveFields } = alive;

describe("slimRecord", () => {
  it("drops the signed request and keeps every field a peer reads", () => {
    const slim = slimRecord(alive);
    expect(slim).toEqual(aliveFields);
    expect(Object.keys(slim).sort()).toEqual([
      "address",
      "changedAt",
      "incarnation",
      "neighbours",
      "publicKey",
      "status",
    ]);
  });

  it("drops the evidence of a dead record", () => {
    const dead: MemberRecord = { ...aliveFields, status: "dead", evidence: { votes: ["x"] } };
    const slim = slimRecord(dead);
    expect(slim.status).toBe("dead");
    expect("evidence" in slim).toBe(false);
  });

  it("returns a record that carries neither as it is", () => {
    expect(slimRecord(aliveFields)).toBe(aliveFields);
  });
});

describe("mergeRecords", () => {
  it("keeps the newer of two records of one address and sorts by address", () => {
    const older = { ...slimRecord(alive), changedAt: 1 };
    const other = { ...slimRecord(alive), address: "10.0.0.2:6000" };
    const merged = mergeRecords([slimRecord(alive)], [older, other]);
    expect(merged.map((record) => [record.address, record.changedAt])).toEqual([
      ["10.0.0.2:6000", 1_700_000_000_000],
      ["10.0.0.7:6000", 1_700_000_000_000],
    ]);
  });
});

describe("peerRecord", () => {
  /** A fresh copy, as each peer decodes its own from the seeds' list pages. */
  const decoded = (record: MemberRecord): MemberRecord => structuredClone(record);

  it("gives every peer of a process the same object for the same record, slimmed", () => {
    const first = peerRecord(decoded({ ...alive, address: "10.0.1.1:6000" }));
    const second = peerRecord(decoded({ ...alive, address: "10.0.1.1:6000" }));
    expect(second).toBe(first);
    expect("proof" in second).toBe(false);
  });

  it("keeps a changed record apart from the one held before", () => {
    const before = peerRecord(decoded({ ...alive, address: "10.0.1.2:6000" }));
    const moved = { ...alive, address: "10.0.1.2:6000", neighbours: ["10.0.0.8:6000"] };
    const after = peerRecord(decoded(moved));
    expect(after).not.toBe(before);
    expect(after.neighbours).toEqual(["10.0.0.8:6000"]);
    expect(before.neighbours).toEqual(["10.0.0.8:6000", "10.0.0.9:6000"]);
    const later = peerRecord(decoded({ ...moved, changedAt: moved.changedAt + 1 }));
    expect(later).not.toBe(after);
    expect(later.changedAt).toBe(moved.changedAt + 1);
  });
});
