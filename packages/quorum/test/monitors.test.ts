import { describe, expect, it } from "vitest";
import type { Ballot, DeliverableOutput, QuorumMessage } from "../src/index.js";
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

describe("protocol monitors", () => {
  it("see nothing wrong in ballots that only go up and promises that are kept", () => {
    const monitor = createProtocolMonitor();
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
    const monitor = createProtocolMonitor();
    monitor.delivered(a, accept(5));
    monitor.crashed(a);
    monitor.delivered(a, prepare(3));
    expect(monitor.violations).toEqual([
      `${a} proposed counter 3 on ${key} after a restart, but had used 6 before it`,
    ]);
  });

  it("catch an acceptor that answers ok below a promise it announced", () => {
    const monitor = createProtocolMonitor();
    monitor.delivered(b, promised(7, "10.0.0.3:5000"));
    monitor.delivered(b, promised(4));
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/answered ok to \(4, 10\.0\.0\.1:5000\)/);
  });

  it("catch an acceptor that accepts without promising the accept's next ballot", () => {
    const monitor = createProtocolMonitor();
    monitor.delivered(a, accept(1));
    monitor.delivered(b, accepted(1, ballot(1)));
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/not its next ballot \(2, 10\.0\.0\.1:5000\)/);
  });

  it("catch a restarted seed that shows a record nobody announced committed", () => {
    const monitor = createProtocolMonitor();
    const record = {
      address: key,
      status: "alive" as const,
      incarnation: 0,
      neighbours: [],
      changedAt: 0,
    };
    monitor.learned(key, 3, record);
    monitor.restarted(b, [{ record, version: 3 }]);
    expect(monitor.violations).toEqual([]);
    monitor.restarted(b, [{ record: { ...record, incarnation: 1 }, version: 3 }]);
    expect(monitor.violations).toHaveLength(1);
    expect(monitor.violations[0]).toMatch(/never announced committed/);
  });
});
