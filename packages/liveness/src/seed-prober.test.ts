import { describe, expect, it } from "vitest";
import type { SeedDirectoryRecord } from "./seed-evidence.js";
import { createSeedProber } from "./seed-prober.js";
import type { SeedProber, SeedProberOutput } from "./seed-prober-types.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const self = "10.0.0.1:5000";
const suspect = "10.0.1.1:6000";
const quiet = "10.0.1.2:6000"; // a neighbour of the suspect that did not vote
const other = "10.0.1.3:6000";
const config = { self, seeds, probeAttempts: 3, probeIntervalMs: 100 };

type Report = { readonly id: string };
type Output = SeedProberOutput<Report>;

const record = (
  address: string,
  neighbours: readonly string[],
  status = "alive",
  incarnation = 0,
): SeedDirectoryRecord => ({ address, status, incarnation, neighbours });

/** The suspect has one neighbour besides the reporter: too few to vote. */
const directory = [
  record(suspect, [quiet, other]),
  record(quiet, [suspect]),
  record(other, [suspect, quiet]),
];

/** The reporter's own vote (its signature is not checked here: the registry checks it). */
const ownVote = {
  voter: other,
  suspect,
  incarnation: 0,
  round: "00000000000000a1",
  verdict: "dead",
  issuedAtMs: 0,
  signature: "0".repeat(128),
};
const evidence = (insufficientNeighbours: boolean) => ({
  suspect,
  incarnation: 0,
  round: "00000000000000a1",
  reporter: other,
  votes: insufficientNeighbours ? [ownVote] : [],
  insufficientNeighbours,
});

const report = (
  prober: SeedProber<Report>,
  now: number,
  id: string,
  options: { insufficientNeighbours?: boolean; records?: readonly SeedDirectoryRecord[] } = {},
) =>
  prober.step({
    type: "dead-report",
    now,
    from: other,
    suspect,
    incarnation: 0,
    evidence: evidence(options.insufficientNeighbours ?? true),
    report: { id },
    records: options.records ?? directory,
  });

/** Ticks at every deadline up to `until`; returns each output with the time it came out. */
const runUntil = (prober: SeedProber<Report>, from: number, until: number) => {
  const timed: { at: number; output: Output }[] = [];
  for (let deadline = prober.nextDeadline(); deadline !== undefined && deadline <= until; ) {
    const at = Math.max(from, deadline);
    for (const output of prober.step({ type: "tick", now: at })) timed.push({ at, output });
    deadline = prober.nextDeadline();
  }
  return timed;
};

const pingsTo = (outputs: readonly Output[], to: string) =>
  outputs.filter(
    (output) =>
      output.type === "send" && output.to === to && output.message.type === "liveness.ping",
  ).length;
const ofType = <T extends Output["type"]>(outputs: readonly Output[], type: T) =>
  outputs.filter((output): output is Extract<Output, { type: T }> => output.type === type);

describe("createSeedProber", () => {
  it("validates and freezes its config", () => {
    expect(() => createSeedProber({ self: "10.9.9.9:1", seeds })).toThrow(/self/);
    const prober = createSeedProber({ self, seeds: [...seeds].reverse() });
    expect(prober.config.seeds).toEqual(seeds);
    expect(prober.config.probeAttempts).toBe(5);
    expect(Object.isFrozen(prober.config)).toBe(true);
  });

  it("refuses time going backwards", () => {
    const prober = createSeedProber<Report>(config);
    prober.step({ type: "tick", now: 10 });
    expect(() => prober.step({ type: "tick", now: 9 })).toThrow(/backwards/);
  });

  it("answers a liveness ping with a pong", () => {
    const prober = createSeedProber<Report>(config);
    const outputs = prober.step({
      type: "receive",
      now: 5,
      from: other,
      message: { type: "liveness.ping", sequence: 4, sentAtMs: 3 },
    });
    expect(outputs).toEqual([
      {
        type: "send",
        to: other,
        message: {
          type: "liveness.pong",
          sequence: 4,
          sentAtMs: 3,
          incarnation: 0,
          neighbours: [],
        },
      },
    ]);
  });

  it("passes a report the votes decide on to the registry at once", () => {
    const prober = createSeedProber<Report>(config);
    // no votes and no claim of too few neighbours: the registry refuses it, no probe needed
    expect(report(prober, 0, "r", { insufficientNeighbours: false })).toEqual([
      { type: "emit", event: { type: "dead-report-received", from: other, address: suspect } },
      { type: "release-report", from: other, report: { id: "r" } },
    ]);
    // about an unknown member: nothing to probe either
    expect(ofType(report(prober, 2_000, "u", { records: [] }), "release-report")).toHaveLength(1);
    expect(prober.nextDeadline()).toBeUndefined();
  });

  it("also probes the suspect of a report it passes on for its votes, so the registry can fall back on that probe", () => {
    // The votes may stop sufficing before the removal is checked (the suspect's neighbours
    // drop it from their lists): the registry then needs this seed's own failed probe.
    const prober = createSeedProber<Report>(config);
    const votes = [ownVote, { ...ownVote, voter: quiet }];
    const outputs = prober.step({
      type: "dead-report",
      now: 0,
      from: other,
      suspect,
      incarnation: 0,
      evidence: { ...evidence(false), votes },
      report: { id: "r" },
      records: directory,
    });
    expect(ofType(outputs, "release-report")).toEqual([
      { type: "release-report", from: other, report: { id: "r" } },
    ]);
    expect(pingsTo(outputs, suspect)).toBe(1);
    // no other seed is asked: each got the report and probes for itself
    expect(ofType(outputs, "send").filter((o) => o.message.type === "liveness.seed-probe")).toEqual(
      [],
    );
    const later = runUntil(prober, 0, 1_000).map((timed) => timed.output);
    expect(ofType(later, "probe-result")).toEqual([
      { type: "probe-result", address: suspect, incarnation: 0, isAlive: false, atMs: 0 },
    ]);
    expect(ofType(later, "release-report")).toEqual([]); // released once, not again
  });

  it("passes a held report on when another seed's request replaces its probe (a newer incarnation)", () => {
    const prober = createSeedProber<Report>(config);
    report(prober, 0, "r"); // held: waits for this seed's probe of the suspect (incarnation 0)
    const replaced = prober.step({
      type: "receive",
      now: 10,
      from: "10.0.0.2:5000",
      message: { type: "liveness.seed-probe", address: suspect, incarnation: 1 },
    });
    // the probe it waited on will never finish: the registry decides on the report as it is
    expect(ofType(replaced, "release-report")).toEqual([
      { type: "release-report", from: other, report: { id: "r" } },
    ]);
  });

  it("holds a report that needs the seeds' probe: probes the suspect and its silent neighbour everywhere, releases it when only the suspect is silent", () => {
    const prober = createSeedProber<Report>(config);
    const first = report(prober, 0, "r");
    // every other seed is asked to probe both, and this seed pings both
    expect(
      ofType(first, "send")
        .filter((output) => output.message.type === "liveness.seed-probe")
        .map((output) => [
          output.to,
          output.message.type === "liveness.seed-probe" && output.message.address,
        ]),
    ).toEqual([
      [seeds[1], quiet],
      [seeds[2], quiet],
      [seeds[1], suspect],
      [seeds[2], suspect],
    ]);
    expect(pingsTo(first, quiet)).toBe(1);
    expect(pingsTo(first, suspect)).toBe(1);
    expect(ofType(first, "release-report")).toEqual([]);
    // the quiet neighbour answers
    const answered = prober.step({
      type: "receive",
      now: 30,
      from: quiet,
      message: { type: "liveness.pong", sequence: 1, sentAtMs: 0, incarnation: 0, neighbours: [] },
    });
    expect(ofType(answered, "probe-result")).toEqual([
      { type: "probe-result", address: quiet, incarnation: 0, isAlive: true, atMs: 0 },
    ]);
    // the suspect never does: 3 pings 100 ms apart, no answer 100 ms after the last
    const timed = runUntil(prober, 30, 1_000);
    expect(
      pingsTo(
        timed.map((entry) => entry.output),
        suspect,
      ),
    ).toBe(2);
    expect(
      timed
        .filter((entry) => entry.output.type === "probe-result")
        .map((entry) => [entry.at, entry.output]),
    ).toEqual([
      [300, { type: "probe-result", address: suspect, incarnation: 0, isAlive: false, atMs: 0 }],
    ]);
    expect(
      timed.filter((entry) => entry.output.type === "emit").map((entry) => entry.output),
    ).toEqual([
      { type: "emit", event: { type: "seed-probe-finished", address: suspect, isAlive: false } },
    ]);
    // one interval later (the other seeds' probes are done too), the report goes on
    expect(
      timed
        .filter((entry) => entry.output.type === "release-report")
        .map((entry) => [entry.at, entry.output]),
    ).toEqual([[400, { type: "release-report", from: other, report: { id: "r" } }]]);
    expect(prober.inspect().waiting).toBe(0);
    expect(prober.nextDeadline()).toBeUndefined();
  });

  it("drops a held report when the suspect answers", () => {
    const prober = createSeedProber<Report>(config);
    report(prober, 0, "r");
    prober.step({
      type: "receive",
      now: 10,
      from: suspect,
      message: { type: "liveness.pong", sequence: 1, sentAtMs: 0, incarnation: 0, neighbours: [] },
    });
    const timed = runUntil(prober, 10, 5_000).map((entry) => entry.output);
    expect(ofType(timed, "release-report")).toEqual([]);
    expect(prober.inspect().counters.reportsDropped).toBe(1);
  });

  it("reuses a recent outcome instead of probing again, and forgets it after probeReuseMs", () => {
    const prober = createSeedProber<Report>({ ...config, probeReuseMs: 2_000 });
    report(prober, 0, "r1");
    runUntil(prober, 0, 1_000);
    const again = report(prober, 1_000, "r2");
    expect(pingsTo(again, suspect)).toBe(0);
    const timed = runUntil(prober, 1_000, 1_500);
    // the quiet neighbour did not answer either: both outcomes reused, released an interval later
    expect(
      timed.filter((entry) => entry.output.type === "release-report").map((entry) => entry.at),
    ).toEqual([1_100]);
    expect(prober.inspect().probes.map((probe) => probe.state)).toEqual(["dead", "dead"]);
    prober.step({ type: "tick", now: 2_000 });
    expect(prober.inspect().probes).toEqual([]);
  });

  it("probes only for other seeds' requests, and answers them with a probe result", () => {
    const prober = createSeedProber<Report>(config);
    const request = { type: "liveness.seed-probe", address: suspect, incarnation: 0 } as const;
    expect(prober.step({ type: "receive", now: 0, from: other, message: request })).toEqual([]);
    const outputs = prober.step({
      type: "receive",
      now: 0,
      from: seeds[1] as string,
      message: request,
    });
    expect(pingsTo(outputs, suspect)).toBe(1);
    const results = ofType(
      runUntil(prober, 0, 1_000).map((entry) => entry.output),
      "probe-result",
    );
    expect(results).toEqual([
      { type: "probe-result", address: suspect, incarnation: 0, isAlive: false, atMs: 0 },
    ]);
  });

  it("begins a probe on a peer's hint only from a live neighbour of a suspect with few neighbours", () => {
    const hint = (
      prober: SeedProber<Report>,
      from: string,
      records: readonly SeedDirectoryRecord[] = directory,
      incarnation = 0,
    ) => prober.step({ type: "probe-hint", now: 0, from, suspect, incarnation, records });
    // The suspect has two live neighbours (quiet, other): a hint from either starts a probe.
    const prober = createSeedProber<Report>(config);
    expect(pingsTo(hint(prober, quiet), suspect)).toBe(1);
    // A second hint reuses the running probe.
    expect(pingsTo(hint(prober, other), suspect)).toBe(0);
    expect(prober.inspect().counters).toMatchObject({ probeHintsObeyed: 2, probeHintsIgnored: 0 });
    const results = ofType(
      runUntil(prober, 0, 1_000).map((entry) => entry.output),
      "probe-result",
    );
    expect(results).toEqual([
      { type: "probe-result", address: suspect, incarnation: 0, isAlive: false, atMs: 0 },
    ]);
    // Ignored: from a member that is not its neighbour, about another incarnation, about a
    // suspect with three live neighbours, or about one the directory no longer lists alive.
    const stranger = "10.0.1.9:6000";
    const third = "10.0.1.4:6000";
    const ignored: [string, readonly SeedDirectoryRecord[], number][] = [
      [stranger, [...directory, record(stranger, [])], 0],
      [quiet, directory, 1],
      [
        quiet,
        [
          record(suspect, [quiet, other, third]),
          record(quiet, [suspect]),
          record(other, [suspect]),
          record(third, [suspect]),
        ],
        0,
      ],
      [quiet, [record(suspect, [quiet, other], "dead"), ...directory.slice(1)], 0],
    ];
    for (const [from, records, incarnation] of ignored) {
      const fresh = createSeedProber<Report>(config);
      expect(hint(fresh, from, records, incarnation)).toEqual([]);
      expect(fresh.inspect().counters.probeHintsIgnored).toBe(1);
    }
  });

  it("forgets the answer to a probe a hint alone began: a report after a real death is probed afresh", () => {
    const pong = {
      type: "liveness.pong" as const,
      sequence: 1,
      sentAtMs: 0,
      incarnation: 0,
      neighbours: [],
    };
    const prober = createSeedProber<Report>(config);
    prober.step({
      type: "probe-hint",
      now: 0,
      from: quiet,
      suspect,
      incarnation: 0,
      records: directory,
    });
    // The suspect answers: that suspicion was false.
    prober.step({ type: "receive", now: 10, from: suspect, message: pong });
    // It dies later; the report that follows is not dropped on the old answer.
    const outputs = report(prober, 3_000, "after the death");
    expect(pingsTo(outputs, suspect)).toBe(1);
    expect(prober.inspect().counters.reportsDropped).toBe(0);
    const released = runUntil(prober, 3_000, 5_000).filter(
      ({ output }) => output.type === "release-report",
    );
    expect(released).toHaveLength(1);
  });

  it("after a removal: tells the removed member and its live neighbours, probes an orphan, proposes its removal", () => {
    const prober = createSeedProber<Report>(config);
    const removed = other;
    const records = [
      record(suspect, [quiet], "dead"), // already gone
      record(quiet, [suspect, removed]), // left with no live neighbour: an orphan
      record(removed, [suspect, quiet], "dead"),
    ];
    const outputs = prober.step({
      type: "member-removed",
      now: 0,
      address: removed,
      incarnation: 0,
      records,
    });
    expect(ofType(outputs, "removal-notice")).toEqual([
      { type: "removal-notice", to: quiet, address: removed, incarnation: 0 },
      { type: "removal-notice", to: removed, address: removed, incarnation: 0 },
    ]);
    expect(pingsTo(outputs, quiet)).toBe(1);
    const timed = runUntil(prober, 0, 1_000);
    expect(
      timed
        .filter((entry) => entry.output.type === "propose-removal")
        .map((entry) => [entry.at, entry.output]),
    ).toEqual([
      [
        400,
        {
          type: "propose-removal",
          operationId: `orphan:${self}:${quiet}:0`,
          address: quiet,
          incarnation: 0,
          evidence: {
            suspect: quiet,
            incarnation: 0,
            round: "0000000000000000",
            reporter: self,
            votes: [],
            insufficientNeighbours: true,
          },
        },
      ],
    ]);
  });

  it("keeps its tables bounded: a full probe table releases a report at once", () => {
    const prober = createSeedProber<Report>({ ...config, maxProbes: 1 });
    prober.step({
      type: "receive",
      now: 0,
      from: seeds[1] as string,
      message: { type: "liveness.seed-probe", address: "10.0.9.9:1", incarnation: 0 },
    });
    expect(ofType(report(prober, 1, "r"), "release-report")).toHaveLength(1);
    expect(prober.inspect().probes).toHaveLength(1);
    expect(prober.inspect().waiting).toBe(0);
  });

  it("drops what one reporter sends beyond its budget: one report per suspect a second, 32 per 10 s", () => {
    const prober = createSeedProber<Report>(config);
    const decide = { insufficientNeighbours: false };
    expect(ofType(report(prober, 0, "a", decide), "release-report")).toHaveLength(1);
    expect(report(prober, 500, "again", decide)).toEqual([]); // the same suspect again, at once
    expect(ofType(report(prober, 1_000, "later", decide), "release-report")).toHaveLength(1);
    let released = 2;
    for (let index = 0; index < 100; index++) {
      const outputs = prober.step({
        type: "dead-report",
        now: 1_100 + index,
        from: other,
        suspect: `10.0.2.${index}:6000`,
        incarnation: 0,
        evidence: evidence(false),
        report: { id: `flood ${index}` },
        records: [],
      });
      released += ofType(outputs, "release-report").length;
    }
    expect(released).toBe(32);
    expect(prober.inspect().counters.reportsOverBudget).toBeGreaterThan(0);
  });

  it("counts a probe request and a report about one suspect apart: the report right after the request is not dropped", () => {
    const prober = createSeedProber<Report>(config);
    // The reporter's round waited for a silent voter: it asked the seeds to probe…
    const asked = report(prober, 0, "probe request", { insufficientNeighbours: true });
    expect(ofType(asked, "release-report")).toEqual([]);
    expect(prober.inspect().waiting).toBe(1);
    // …and the voter answered after all: the majority report follows at once.
    const decided = report(prober, 400, "report", { insufficientNeighbours: false });
    expect(ofType(decided, "release-report").map((output) => output.report.id)).toEqual(["report"]);
    // Each kind still counts once per suspect a second.
    expect(report(prober, 600, "again", { insufficientNeighbours: false })).toEqual([]);
    expect(report(prober, 700, "asked again", { insufficientNeighbours: true })).toEqual([]);
    expect(prober.inspect().counters.reportsOverBudget).toBe(2);
  });
});
