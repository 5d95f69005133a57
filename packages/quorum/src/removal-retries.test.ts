import { err, ok, P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createRemovalRetries } from "./removal-retries.js";

const command = (operationId: string, address = "10.9.0.1:7000") => ({
  type: "mark-dead" as const,
  operationId,
  address,
  incarnation: 0,
  evidence: null,
});
const noQuorum = err(new P2pError("NO_QUORUM", "no quorum of 2 seeds answered"));
/** Random 0.5 gives no jitter: every delay is exactly `retryMs` × 2^attempt. */
/** Every member listed alive, incarnation 0, at version 7. */
const entryOf = (address: string) => ({
  record: { address, status: "alive" as const, incarnation: 0, neighbours: [], changedAt: 0 },
  version: 7,
});
/** This seed's failed probes (member → when recorded), as the registry's probe results keep them. */
const failedProbes = new Map<string, number>();
const retries = (count = 3) => {
  failedProbes.clear();
  const table = createRemovalRetries({
    retryMs: 1_000,
    retries: count,
    maxEntries: 10,
    random: { next: () => 0.5 },
    entryOf,
    failedProbeAt: (address) => failedProbes.get(address),
  });
  return {
    ...table,
    /** A failed probe is recorded, then the table hears of it (as the registry does). */
    probeFailed(now: number, address: string) {
      failedProbes.set(address, now);
      table.probeFailed(now, address);
    },
  };
};

describe("removal retries", () => {
  it("proposes a removal no majority answered again, doubling the wait, up to the limit", () => {
    const table = retries(2);
    table.started(0, command("report"));
    table.completed(100, "report", noQuorum, undefined);
    expect(table.nextDeadline()).toBe(1_100);
    expect(table.due(1_099)).toEqual([]);
    expect(table.due(1_100)).toEqual([command("report")]);
    expect(table.nextDeadline()).toBeUndefined();

    table.completed(5_000, "report", noQuorum, undefined);
    expect(table.nextDeadline()).toBe(7_000);
    expect(table.due(7_000)).toEqual([command("report")]);

    table.completed(10_000, "report", noQuorum, undefined);
    expect(table.nextDeadline(), "past the limit").toBeUndefined();
  });

  it("does not retry a success, a refusal by an acceptor's check, or an error about the removal", () => {
    const table = retries();
    table.started(0, command("a"));
    table.completed(0, "a", ok(undefined), undefined);
    table.started(0, command("b", "10.9.0.2:7000"));
    table.completed(0, "b", noQuorum, "EVIDENCE_INVALID: too few neighbour votes");
    table.started(0, command("c", "10.9.0.3:7000"));
    table.completed(0, "c", err(new P2pError("EVIDENCE_INVALID", "stale votes")), undefined);
    table.completed(0, "never-started", noQuorum, undefined);
    expect(table.nextDeadline()).toBeUndefined();
  });

  it("retries a removal refused only because this seed's own probe of the suspect had not finished", () => {
    // The votes sufficed when the report came; by the time the change was checked, the
    // suspect's neighbours had dropped it from their lists, so only the seed's probe can decide.
    const table = retries();
    /** The seed's own evidence check refused the removal with `cause`. */
    const refused = (cause: P2pError) =>
      err(new P2pError("EVIDENCE_INVALID", cause.message, { cause }));
    const needsProbe = new P2pError(
      "EVIDENCE_NEEDS_PROBE",
      "the seeds have not yet probed the suspect",
    );
    table.started(0, command("report"));
    table.completed(100, "report", refused(needsProbe), undefined);
    // The refusal was committed (the operation memory answers "report" with it): a new id.
    expect(table.due(1_100)).toEqual([command("report:probed:1")]);
    // Refused again: the next retry is numbered from the report's own id.
    table.completed(1_200, "report:probed:1", refused(needsProbe), undefined);
    expect(table.due(4_000)).toEqual([command("report:probed:2")]);
    // Any other evidence refusal is final.
    table.started(0, command("other", "10.9.0.2:7000"));
    const rejected = new P2pError("EVIDENCE_REJECTED", "not-neighbour: 10.9.0.8:7000");
    table.completed(200, "other", refused(rejected), undefined);
    expect(table.nextDeadline()).toBeUndefined();
  });

  it("proposes a removal that waited for the probe as soon as the probe failed, not a retry interval later", () => {
    // The seed's probe of the suspect takes its whole timeout (as long as the first retry
    // interval); a timed retry that falls due just before the probe ends is refused again and
    // then waits twice as long. The probe's failure itself brings the retry.
    const table = retries();
    const needsProbe = err(
      new P2pError("EVIDENCE_INVALID", "needs probe", {
        cause: new P2pError("EVIDENCE_NEEDS_PROBE", "the seeds have not yet probed the suspect"),
      }),
    );
    table.started(0, command("report"));
    table.completed(100, "report", needsProbe, undefined);
    table.probeFailed(600, "10.9.0.2:7000"); // another member's probe: nothing changes
    expect(table.due(600)).toEqual([]);
    table.probeFailed(700, "10.9.0.1:7000");
    expect(table.nextDeadline()).toBe(700);
    expect(table.due(700)).toEqual([command("report:probed:1")]);
    // A probe that failed while a proposal was being checked: its refusal is retried at once.
    table.started(2_000, command("late", "10.9.0.3:7000"));
    table.probeFailed(2_050, "10.9.0.3:7000");
    table.completed(2_100, "late", needsProbe, undefined);
    expect(table.due(2_100)).toEqual([command("late:probed:1", "10.9.0.3:7000")]);
    // A probe that failed before the proposal began does not: that refusal had another cause.
    table.probeFailed(3_000, "10.9.0.4:7000");
    table.started(3_100, command("after", "10.9.0.4:7000"));
    table.completed(3_200, "after", needsProbe, undefined);
    expect(table.due(3_200)).toEqual([]);
    expect(table.nextDeadline()).toBe(4_200);
  });

  it("keeps a probe retry while other reports' refusals move the record's version, not its value", () => {
    // Three neighbours report the same suspect at once and then drop it from their lists, so
    // each report is refused for want of this seed's probe; each refusal is committed under a
    // new version of the unchanged record before the retry falls due.
    let version = 7;
    let changedAt = 0;
    const table = createRemovalRetries({
      retryMs: 1_000,
      retries: 3,
      maxEntries: 10,
      random: { next: () => 0.5 },
      entryOf: (address) => ({
        record: { address, status: "alive" as const, incarnation: 0, neighbours: [], changedAt },
        version,
      }),
      failedProbeAt: () => undefined,
    });
    const needsProbe = new P2pError(
      "EVIDENCE_NEEDS_PROBE",
      "the seeds have not yet probed the suspect",
    );
    const refused = err(
      new P2pError("EVIDENCE_INVALID", needsProbe.message, { cause: needsProbe }),
    );
    for (const id of ["from-1", "from-2", "from-3"]) {
      table.started(0, command(id));
      version += 1; // its refusal, committed
      table.completed(100, id, refused, undefined);
    }
    version += 2; // the other seeds' refusals of the same reports
    expect(table.due(1_100)).toEqual([command("from-1:probed:1")]);
    // A real change of the record (a restarted peer's update) ends the retry.
    table.completed(1_200, "from-1:probed:1", refused, undefined);
    changedAt = 1_150;
    expect(table.due(10_000)).toEqual([]);
  });

  it("waits once per member and incarnation, however many reports about it failed", () => {
    const table = retries();
    for (const id of ["from-1", "from-2", "from-3"]) {
      table.started(0, command(id));
      table.completed(0, id, noQuorum, undefined);
    }
    expect(table.due(60_000).map((retry) => retry.operationId)).toEqual(["from-1"]);
  });
});
