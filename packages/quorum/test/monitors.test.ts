import { describe, expect, it } from "vitest";
import {
  type Ballot,
  type DeliverableOutput,
  keyOwner,
  type MemberRecord,
  type QuorumMessage,
} from "../src/index.js";
import { createProtocolMonitor } from "./monitors.js";

const [a, b] = ["10.0.0.1:5000", "10.0.0.2:5000"];
const key = "10.9.0.1:7000";
const ballot = (counter: number, proposer = a): Ballot => ({ counter, proposer });
const send = (to: string, message: QuorumMessage): DeliverableOutput => ({
  type: "send",
  to,
  message,
});
const prepare = (counter: number) =>
  send(b, { type: "quorum.prepare", requestId: "r", key, ballot: ballot(counter) });
const accept = (counter: number) =>
  send(b, {
    type: "quorum.accept",
    requestId: "r",
    key,
    ballot: ballot(counter),
    value: null,
    operations: [],
    nextBallot: ballot(counter + 1),
  });
const promised = (counter: number, proposer = a) =>
  send(proposer, {
    type: "quorum.promise",
    requestId: "r",
    key,
    ballot: ballot(counter, proposer),
    ok: true,
    promised: ballot(counter, proposer),
    accepted: null,
  });
const accepted = (counter: number, announced: Ballot) =>
  send(a, {
    type: "quorum.accepted",
    requestId: "r",
    key,
    ballot: ballot(counter),
    ok: true,
    promised: announced,
    reason: null,
  });

const record: MemberRecord = {
  address: key,
  status: "alive",
  incarnation: 0,
  neighbours: [],
  changedAt: 0,
};

/** An accept of `key` at ballot 0 of `proposer`, writing `value`. */
const zeroAccept = (proposer: string, value: MemberRecord | null, next = 9) =>
  send(b, {
    type: "quorum.accept",
    requestId: "r",
    key,
    ballot: ballot(0, proposer),
    value,
    operations: [],
    nextBallot: ballot(next, proposer),
  });

describe("protocol monitors", () => {
  it("see nothing wrong in ballots that only go up and promises that are kept", () => {
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(a, prepare(1));
    monitor.delivered(b, promised(1));
    monitor.delivered(a, accept(1));
    monitor.delivered(b, accepted(1, ballot(2)));
    monitor.crashed(a);
    monitor.crashed(b);
    monitor.delivered(a, prepare(1_001));
    monitor.delivered(b, promised(1_001));
    expect(monitor.violations).toEqual([]);
  });

  it("catch a restarted seed that proposes a ballot it may have used before", () => {
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(a, accept(5));
    monitor.crashed(a);
    monitor.delivered(a, prepare(3));
    expect(monitor.violations).toEqual([
      `${a} proposed counter 3 on ${key} after a restart, but had used 6 before it`,
    ]);
  });

  it("catch an acceptor that answers ok below a promise it announced", () => {
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(b, promised(7, "10.0.0.3:5000"));
    monitor.delivered(b, promised(4));
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/answered ok to \(4, 10\.0\.0\.1:5000\)/);
  });

  it("catch an acceptor that accepts without promising the accept's next ballot", () => {
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(a, accept(1));
    monitor.delivered(b, accepted(1, ballot(1)));
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/not its next ballot \(2, 10\.0\.0\.1:5000\)/);
  });

  it("catch a restarted seed that shows a record nobody announced committed", () => {
    const monitor = createProtocolMonitor([a, b]);
    monitor.learned(key, 3, record);
    monitor.restarted(b, [{ record, version: 3 }]);
    expect(monitor.violations).toEqual([]);
    monitor.restarted(b, [{ record: { ...record, incarnation: 1 }, version: 3 }]);
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/never announced committed/);
  });

  it("allow a new key's write at ballot 0 after a restart, but never a second value", () => {
    const owner = keyOwner(key, [a, b]) as string;
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(owner, zeroAccept(owner, record));
    monitor.crashed(owner);
    // The same write again after the restart (a retry), its next ballot above the reservation.
    monitor.delivered(owner, zeroAccept(owner, record, 1_009));
    expect(monitor.violations).toEqual([]);
    // A retry of the same request at another time: only changedAt differs.
    monitor.delivered(owner, zeroAccept(owner, { ...record, changedAt: 999 }, 1_010));
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/wrote 10\.9\.0\.1:7000 at ballot 0 twice/);
  });

  it("catch a seed that writes at ballot 0 a key it does not own", () => {
    const owner = keyOwner(key, [a, b]) as string;
    const other = owner === a ? b : a;
    const monitor = createProtocolMonitor([a, b]);
    monitor.delivered(other, zeroAccept(other, null));
    expect(monitor.violations).toEqual([`${other} wrote ${key} at ballot 0 but does not own it`]);
  });
});
