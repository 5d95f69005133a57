import { describe, expect, it } from "vitest";
import type { SeedDirectoryRecord } from "./seed-evidence.js";
import { createSeedProber } from "./seed-prober.js";
import type { SeedProber, SeedProberOutput } from "./seed-prober-types.js";
import { createEd25519Signer, keyPairFromSeed, signVote } from "./vote.js";

// The seed prober's tables stay within their limits however many suspects it is driven with,
// and every entry goes once it is done. A full probe table refuses a new probe (counted): no
// probe means no seeds' verdict, so the registry refuses a removal that needs one.

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const self = seeds[0] as string;
const otherSeed = seeds[1] as string;
const config = { self, seeds, probeAttempts: 3, probeIntervalMs: 100 };
const round = "00000000000000a1";

type Report = { readonly id: string };
type Output = SeedProberOutput<Report>;

const record = (
  address: string,
  neighbours: readonly string[],
  publicKey?: string,
): SeedDirectoryRecord => ({
  address,
  status: "alive",
  incarnation: 0,
  neighbours,
  ...(publicKey === undefined ? {} : { publicKey }),
});
const evidence = (suspect: string, reporter: string) => ({
  suspect,
  incarnation: 0,
  round,
  reporter,
  votes: [
    {
      voter: reporter,
      suspect,
      incarnation: 0,
      round,
      verdict: "dead",
      issuedAtMs: 0,
      signature: "0".repeat(128),
    },
  ],
  insufficientNeighbours: true,
});
const ofType = <T extends Output["type"]>(outputs: readonly Output[], type: T) =>
  outputs.filter((output): output is Extract<Output, { type: T }> => output.type === type);

/** Ticks at every deadline up to `until`; returns the outputs. */
const runUntil = (prober: SeedProber<Report>, from: number, until: number) => {
  const outputs: Output[] = [];
  for (let at = prober.nextDeadline(); at !== undefined && at <= until; ) {
    outputs.push(...prober.step({ type: "tick", now: Math.max(from, at) }));
    at = prober.nextDeadline();
  }
  return outputs;
};
const probeRequest = (address: string) =>
  ({ type: "liveness.seed-probe", address, incarnation: 0 }) as const;
const addresses = (count: number, base: number) =>
  Array.from({ length: count }, (_, index) => `10.0.${base}.${index}:6000`);

/** `reporter` reports `suspect` (mutual neighbours, incarnation 0) at `now`. */
const reportAt = (
  prober: ReturnType<typeof createSeedProber<Report>>,
  now: number,
  suspect: string,
  reporter: string,
) =>
  prober.step({
    type: "dead-report",
    now,
    from: reporter,
    suspect,
    incarnation: 0,
    evidence: evidence(suspect, reporter),
    report: { id: suspect },
    records: [record(suspect, [reporter]), record(reporter, [suspect])],
  });

describe("seed prober bounds", () => {
  it("holds at most maxProbes probes when other seeds ask about 10× as many members, counts the refused, and empties", () => {
    const limit = 4;
    const prober = createSeedProber<Report>({ ...config, maxProbes: limit, probeReuseMs: 1_000 });
    for (const address of addresses(limit * 10, 1)) {
      prober.step({ type: "receive", now: 0, from: otherSeed, message: probeRequest(address) });
      expect(prober.inspect().probes.length).toBeLessThanOrEqual(limit);
    }
    expect(prober.inspect().probes).toHaveLength(limit);
    expect(prober.inspect().counters.probesRefused).toBe(limit * 9);
    const results = ofType(runUntil(prober, 0, 900), "probe-result");
    expect(results).toHaveLength(limit);
    // Finished probes are forgotten after probeReuseMs; then there is room again.
    prober.step({ type: "tick", now: 1_000 });
    expect(prober.inspect().probes).toEqual([]);
    const again = addresses(1, 2)[0] as string;
    prober.step({ type: "receive", now: 1_000, from: otherSeed, message: probeRequest(again) });
    expect(prober.inspect().probes.map((probe) => probe.address)).toEqual([again]);
  });

  it("under 10× maxProbes reports, holds what it can probe, passes the rest on at once, and loses none", () => {
    const limit = 4;
    const prober = createSeedProber<Report>({ ...config, maxProbes: limit, probeReuseMs: 1_000 });
    const suspects = addresses(limit * 10, 3);
    const reporters = addresses(limit * 10, 4);
    let releasedAtOnce = 0;
    suspects.forEach((suspect, index) => {
      const reporter = reporters[index] as string;
      const outputs = reportAt(prober, 0, suspect, reporter);
      releasedAtOnce += ofType(outputs, "release-report").length;
      expect(prober.inspect().probes.length).toBeLessThanOrEqual(limit);
    });
    expect(prober.inspect().waiting).toBe(limit);
    expect(releasedAtOnce).toBe(limit * 9);
    expect(prober.inspect().counters.probesRefused).toBe(limit * 9);
    // The held ones go on once their (silent) suspects' probes end; nothing is left waiting.
    expect(ofType(runUntil(prober, 0, 900), "release-report")).toHaveLength(limit);
    expect(prober.inspect().waiting).toBe(0);
    prober.step({ type: "tick", now: 1_000 });
    expect(prober.inspect().probes).toEqual([]);
  });

  it("holds at most maxWaiting reports and passes the rest on at once", () => {
    const limit = 4;
    const prober = createSeedProber<Report>({ ...config, maxWaiting: limit });
    const suspects = addresses(limit * 10, 5);
    const reporters = addresses(limit * 10, 6);
    let released = 0;
    suspects.forEach((suspect, index) => {
      const reporter = reporters[index] as string;
      const outputs = reportAt(prober, 0, suspect, reporter);
      released += ofType(outputs, "release-report").length;
      expect(prober.inspect().waiting).toBeLessThanOrEqual(limit);
    });
    expect(released).toBe(limit * 9);
    released += ofType(runUntil(prober, 0, 900), "release-report").length;
    expect(released).toBe(limit * 10);
    expect(prober.inspect().waiting).toBe(0);
  });

  it("does not hold a report for good when the probe it needs again is refused", () => {
    const suspect = "10.0.1.1:6000";
    const quiet = "10.0.1.2:6000"; // the suspect's neighbour that did not vote
    const reporter = "10.0.1.3:6000";
    const quietKeys = keyPairFromSeed(new Uint8Array(32).fill(9));
    const records = [
      record(suspect, [quiet, reporter]),
      record(quiet, [suspect], quietKeys.publicKey),
      record(reporter, [suspect, quiet]),
    ];
    const prober = createSeedProber<Report>({ ...config, maxProbes: 2, probeReuseMs: 150 });
    prober.step({
      type: "dead-report",
      now: 0,
      from: reporter,
      suspect,
      incarnation: 0,
      evidence: evidence(suspect, reporter),
      report: { id: "r" },
      records,
    });
    expect(prober.inspect().waiting).toBe(1);
    // The quiet neighbour answers the seed and votes the suspect alive; the suspect stays silent.
    prober.step({
      type: "receive",
      now: 30,
      from: quiet,
      message: { type: "liveness.pong", sequence: 1, sentAtMs: 0, incarnation: 0, neighbours: [] },
    });
    const alive = signVote(
      { voter: quiet, suspect, incarnation: 0, round, verdict: "alive", issuedAtMs: 0 },
      createEd25519Signer(quietKeys.secretKey).sign,
    );
    prober.step({ type: "alive-vote", now: 50, from: quiet, vote: alive, records });
    expect(prober.inspect().counters.aliveVotesCounted).toBe(1);
    const outputs = runUntil(prober, 50, 340);
    // Other seeds' requests fill the probe table before the decision.
    for (const address of addresses(2, 7)) {
      prober.step({ type: "receive", now: 350, from: otherSeed, message: probeRequest(address) });
    }
    outputs.push(...runUntil(prober, 350, 10_000));
    // The decision wants a fresh probe of the suspect (the alive vote is newer) and finds no
    // room: the report goes to the registry (which refuses it without a probe) instead of
    // waiting for a probe that never starts.
    expect(prober.inspect().counters.probesRefused).toBe(1);
    expect(ofType(outputs, "release-report")).toEqual([
      { type: "release-report", from: reporter, report: { id: "r" } },
    ]);
    expect(prober.inspect().waiting).toBe(0);
  });
});
