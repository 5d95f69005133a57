import { ed25519 } from "@noble/curves/ed25519.js";
import { hexToBytes } from "@noble/hashes/utils.js";
import { describe, expect, it } from "vitest";
import { createLiveness } from "./liveness.js";
import type { LivenessOutput } from "./liveness-types.js";
import type { DeadEvidence, SignedVote } from "./messages.js";
import {
  createSeedEvidenceValidator,
  type SeedDirectoryRecord,
  type SeedEvidenceContext,
  type SeedProbeOutcome,
} from "./seed-evidence.js";
import { createSeedProber } from "./seed-prober.js";
import { validateDeadEvidence } from "./validator.js";
import { createEd25519Signer, createSignatureCache, keyPairFromSeed, signVote } from "./vote.js";

// Votes are bound to a round: a suspicion's round id, chosen by the suspecting peer, is in
// every vote request and every signed vote; the seeds take evidence only for one current round,
// and an alive vote of that round, sent by the voter to the seeds, cannot be hidden by the
// reporter.

const WALL = 1_760_000_000_000;
const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const [suspect, a, b, c, reporter] = [
  "10.0.1.1:6000",
  "10.0.1.2:6000",
  "10.0.1.3:6000",
  "10.0.1.4:6000",
  "10.0.1.5:6000",
] as [string, string, string, string, string];
const voters = [a, b, c, reporter];
const keys = new Map(
  voters.map((address, index) => [address, keyPairFromSeed(new Uint8Array(32).fill(index + 7))]),
);
const signer = (address: string) => createEd25519Signer(keys.get(address)?.secretKey as string);

const record = (address: string, neighbours: readonly string[]): SeedDirectoryRecord => ({
  address,
  status: "alive",
  incarnation: 0,
  neighbours,
  ...(keys.has(address) ? { publicKey: keys.get(address)?.publicKey } : {}),
});
/** The suspect and its four mutual neighbours. */
const records = [record(suspect, voters), ...voters.map((voter) => record(voter, [suspect]))];
const subject = records[0] as SeedDirectoryRecord;

const vote = (
  voter: string,
  round: string,
  verdict: "dead" | "alive" = "dead",
  issuedAtMs = WALL - 1_000,
): SignedVote =>
  signVote({ voter, suspect, incarnation: 0, round, verdict, issuedAtMs }, signer(voter).sign);
const evidence = (round: string, votes: SignedVote[]): DeadEvidence => ({
  suspect,
  incarnation: 0,
  round,
  reporter,
  votes,
  insufficientNeighbours: false,
});
const context = (
  extra: Partial<SeedEvidenceContext> = {},
  wallTimeMs = WALL,
): SeedEvidenceContext => ({
  now: 100_000,
  wallTimeMs,
  records,
  probeResults: new Map(),
  aliveVotes: new Map(),
  ...extra,
});
/** A seed prober's input: `signed`, an alive vote, arriving from `from` at `now`. */
const aliveVoteInput = (signed: SignedVote, from: string, now = 1_000) =>
  ({ type: "alive-vote", now, wallTimeMs: WALL, from, vote: signed, records }) as const;
const codeOf = (result: ReturnType<ReturnType<typeof createSeedEvidenceValidator>>) =>
  result.ok ? "ok" : `${result.error.code}: ${result.error.message}`;

describe("votes are bound to a round", () => {
  it("a vote signed for one round does not verify as a vote of another round", () => {
    const signed = vote(a, "00000000000000a1");
    const moved = { ...signed, round: "00000000000000b2" };
    const view = {
      neighboursOf: () => voters,
      publicKeyOf: (address: string) => keys.get(address)?.publicKey,
      statusOf: () => ({ status: "alive" as const, incarnation: 0 }),
    };
    const verdict = validateDeadEvidence(
      evidence("00000000000000b2", [
        moved,
        vote(b, "00000000000000b2"),
        vote(c, "00000000000000b2"),
      ]),
      view,
      { nowMs: WALL, maxVoteAgeMs: 60_000 },
    );
    expect(verdict).toMatchObject({ verdict: "reject", reason: "forged-signature" });
  });

  it("vote replay from an earlier round: dead votes of two rounds cannot be added up", () => {
    // Round 1: only a could not reach the suspect; round 2: only b. Neither round has a majority
    // of the four neighbours; the reporter's own vote plus both replayed votes would.
    const validate = createSeedEvidenceValidator();
    const mixed = evidence("00000000000000b2", [
      vote(a, "00000000000000a1"),
      vote(b, "00000000000000b2"),
      vote(reporter, "00000000000000b2"),
    ]);
    expect(codeOf(validate(subject, mixed, context()))).toMatch(
      /^EVIDENCE_REJECTED: mismatched-vote/,
    );
    const oneRound = evidence("00000000000000b2", [
      vote(a, "00000000000000b2"),
      vote(b, "00000000000000b2"),
      vote(reporter, "00000000000000b2"),
    ]);
    expect(codeOf(validate(subject, oneRound, context()))).toBe("ok");
  });

  it("vote replay from an earlier round: a whole round replayed after the round window is stale", () => {
    const validate = createSeedEvidenceValidator();
    const twoMinutesAgo = WALL - 120_000;
    const old = evidence("00000000000000a1", [
      vote(a, "00000000000000a1", "dead", twoMinutesAgo),
      vote(b, "00000000000000a1", "dead", twoMinutesAgo),
      vote(reporter, "00000000000000a1", "dead", twoMinutesAgo),
    ]);
    expect(codeOf(validate(subject, old, context()))).toMatch(/^EVIDENCE_REJECTED: stale/);
  });
});

describe("a reporter cannot hide an alive vote", () => {
  const round = "00000000000000c3";
  /** a, b and the reporter could not reach the suspect; c could, and voted alive. */
  const hidden = evidence(round, [vote(a, round), vote(b, round), vote(reporter, round)]);
  const aliveVote = vote(c, round, "alive");
  /** The reporter's dead report, at 1.2 s, leaving c's alive vote out. */
  const hiddenReport = {
    type: "dead-report",
    now: 1_200,
    wallTimeMs: WALL,
    from: reporter,
    suspect,
    incarnation: 0,
    evidence: hidden,
    report: { id: "hidden" },
    records,
  } as const;

  it("a voter that votes alive sends its vote to the seeds too, not only to the requester", () => {
    const voter = createLiveness(
      { self: c, pingIntervalMs: 1_000, pingTimeoutMs: 300 },
      { random: { next: () => 0.5 }, sign: signer(c).sign },
    );
    voter.step({ type: "neighbours", now: 0, neighbours: [suspect], wallTimeMs: WALL });
    voter.step({
      type: "receive",
      now: 1,
      from: reporter,
      message: { type: "liveness.vote-request", suspect, incarnation: 0, round },
    });
    const outputs: LivenessOutput[] = [
      ...voter.step({
        type: "receive",
        now: 5,
        from: suspect,
        message: {
          type: "liveness.pong",
          sequence: 1,
          sentAtMs: 1,
          incarnation: 0,
          neighbours: [],
        },
      }),
    ];
    const toSeeds = outputs.filter(
      (output) => output.type === "emit" && output.event.type === "alive-vote",
    );
    expect(toSeeds).toHaveLength(1);
    expect(toSeeds[0]).toMatchObject({
      event: { vote: { voter: c, suspect, round, verdict: "alive" } },
    });
  });

  it("a seed that holds an alive vote of the round refuses the removal until its own probe fails", () => {
    const validate = createSeedEvidenceValidator();
    const heard: SeedProbeOutcome = {
      address: suspect,
      incarnation: 0,
      isAlive: true,
      atMs: 99_000,
    };
    expect(codeOf(validate(subject, hidden, context()))).toBe("ok"); // without the alive vote
    const withAliveVote = context({ aliveVotes: new Map([[suspect, heard]]) });
    expect(codeOf(validate(subject, hidden, withAliveVote))).toMatch(/^EVIDENCE_NEEDS_PROBE/);
    // The seed's own probe, begun after the alive vote, found no answer: the seeds decide.
    const probedAfter = context({
      aliveVotes: new Map([[suspect, heard]]),
      probeResults: new Map([[suspect, { ...heard, isAlive: false, atMs: 99_500 }]]),
    });
    expect(codeOf(validate(subject, hidden, probedAfter))).toBe("ok");
  });

  it("the seed prober checks an alive vote, tells the other seeds, and holds a report that hides it", () => {
    const prober = createSeedProber<{ id: string }>({ self: seeds[0] as string, seeds });
    const received = prober.step(aliveVoteInput(aliveVote, c));
    expect(received).toContainEqual({
      type: "alive-vote-recorded",
      address: suspect,
      incarnation: 0,
      atMs: 1_000,
    });
    const relayed = received.filter(
      (output) => output.type === "send" && output.message.type === "liveness.alive-vote",
    );
    expect(relayed.map((output) => (output.type === "send" ? output.to : "")).sort()).toEqual(
      seeds.slice(1),
    );
    const outputs = prober.step(hiddenReport);
    // Not released to the registry: every seed probes the suspect first.
    expect(outputs.some((output) => output.type === "release-report")).toBe(false);
    expect(
      outputs.some(
        (output) =>
          output.type === "send" &&
          output.to === suspect &&
          output.message.type === "liveness.ping",
      ),
    ).toBe(true);
  });

  it("an alive vote that is forged, from a non-neighbour or of another incarnation is ignored", () => {
    const prober = createSeedProber<{ id: string }>({ self: seeds[0] as string, seeds });
    const stranger = "10.0.9.9:6000";
    const cases: SignedVote[] = [
      { ...aliveVote, signature: vote(a, round, "alive").signature },
      { ...vote(c, round, "alive"), voter: stranger },
      signVote(
        {
          voter: c,
          suspect,
          incarnation: 3,
          round,
          verdict: "alive",
          issuedAtMs: WALL,
        },
        signer(c).sign,
      ),
    ];
    for (const forged of cases) {
      const outputs = prober.step(aliveVoteInput(forged, c));
      expect(outputs.filter((output) => output.type !== "emit")).toEqual([]);
    }
  });

  it("an alive vote that lands while the seeds probe does not stop the removal of a crashed peer for good", () => {
    // Two identities neighbour the victim: one alive vote makes the seeds hold the report; the
    // second is timed to land while the seeds' probe runs. The probe that started before it
    // does not count: the seeds probe again, and the crashed peer is still removed.
    const prober = createSeedProber<{ id: string }>({
      self: seeds[0] as string,
      seeds,
      probeAttempts: 3,
      probeIntervalMs: 100,
    });
    const validate = createSeedEvidenceValidator();
    const probeResults = new Map<string, SeedProbeOutcome>();
    const aliveVotes = new Map<string, SeedProbeOutcome>();
    const released: number[] = [];
    const apply = (at: number, outputs: ReturnType<typeof prober.step>) => {
      for (const output of outputs) {
        if (output.type === "probe-result") probeResults.set(output.address, output);
        if (output.type === "alive-vote-recorded")
          aliveVotes.set(output.address, { ...output, isAlive: true });
        if (output.type === "release-report") released.push(at);
      }
    };
    const aliveVoteAt = (at: number, voter: string) =>
      apply(at, prober.step(aliveVoteInput(vote(voter, round, "alive"), voter, at)));
    aliveVoteAt(1_000, c);
    apply(1_200, prober.step(hiddenReport));
    aliveVoteAt(1_300, a); // during the seeds' probe (the suspect never answers: it crashed)
    for (let at = 1_300; at <= 10_000; at += 50) {
      apply(at, prober.step({ type: "tick", now: at, wallTimeMs: WALL }));
      if (released.length > 0) break;
    }
    expect(released).toHaveLength(1);
    const at = released[0] as number;
    const verdict = validate(subject, hidden, context({ now: at, probeResults, aliveVotes }));
    expect(codeOf(verdict)).toBe("ok");
  });

  it("a requester cannot make a voter sign without bound: one vote per requester, however many rounds it names", () => {
    let signatures = 0;
    const voter = createLiveness(
      { self: c, pingIntervalMs: 1_000, pingTimeoutMs: 300, voteCacheMs: 500 },
      {
        random: { next: () => 0.5 },
        sign: (bytes) => {
          signatures++;
          return signer(c).sign(bytes);
        },
      },
    );
    voter.step({ type: "neighbours", now: 0, neighbours: [suspect], wallTimeMs: WALL });
    const ask = (now: number, index: number) =>
      voter.step({
        type: "receive",
        now,
        from: reporter,
        message: {
          type: "liveness.vote-request",
          suspect,
          incarnation: 0,
          round: index.toString(16).padStart(16, "0"),
        },
      });
    for (let index = 0; index < 50; index++) ask(1 + index, index); // while the probe runs
    const answered = voter.step({
      type: "receive",
      now: 60,
      from: suspect,
      message: { type: "liveness.pong", sequence: 1, sentAtMs: 1, incarnation: 0, neighbours: [] },
    });
    const votes = answered.filter(
      (output) => output.type === "send" && output.message.type === "liveness.vote",
    );
    expect(votes).toHaveLength(1);
    expect(signatures).toBe(1);
    for (let index = 50; index < 100; index++) ask(61 + index, index); // within voteCacheMs
    expect(signatures).toBe(1);
  });

  it("an alive vote counts once per voter and suspect a minute, only within the round window, and a relayed one is not relayed again", () => {
    const prober = createSeedProber<{ id: string }>({ self: seeds[0] as string, seeds });
    const step = (now: number, from: string, signed: SignedVote) =>
      prober.step(aliveVoteInput(signed, from, now));
    const recorded = (outputs: ReturnType<typeof step>) =>
      outputs.filter((output) => output.type === "alive-vote-recorded").length;
    const relayed = (outputs: ReturnType<typeof step>) =>
      outputs.filter((output) => output.type === "send").length;
    expect(recorded(step(1_000, c, aliveVote))).toBe(1);
    expect(recorded(step(2_000, c, vote(c, "00000000000000d4", "alive")))).toBe(0);
    expect(recorded(step(61_000, c, vote(c, "00000000000000e5", "alive")))).toBe(1);
    // Issued two minutes before this seed's clock: outside the round window.
    expect(recorded(step(62_000, a, vote(a, round, "alive", WALL - 120_000)))).toBe(0);
    // Relayed by another seed: counted, not relayed again.
    const fromSeed = step(63_000, seeds[1] as string, vote(b, round, "alive"));
    expect(recorded(fromSeed)).toBe(1);
    expect(relayed(fromSeed)).toBe(0);
  });
});

describe("vote signatures are checked by the host's verify", () => {
  // A round no other test signs in: the shared signature memo has none of these votes.
  const round = "00000000000000d4";
  const votes = [vote(a, round), vote(b, round), vote(reporter, round)];
  const valid = evidence(round, votes);
  /** A host verify that answers no to everything, however valid the signature. */
  const refuse = (_publicKeyHex: string, _bytes: Uint8Array, _signature: Uint8Array) => false;
  /** A host verify that records whose key it checked and answers with a real Ed25519 check. */
  const recording = () => {
    const checked: string[] = [];
    const verify = (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => {
      checked.push(publicKeyHex);
      return ed25519.verify(signature, bytes, hexToBytes(publicKeyHex));
    };
    return { checked, verify };
  };
  const view = {
    neighboursOf: () => voters,
    publicKeyOf: (address: string) => keys.get(address)?.publicKey,
    statusOf: () => ({ status: "alive" as const, incarnation: 0 }),
  };

  it("validateDeadEvidence asks the host's verify about each vote, and its answer decides", () => {
    const host = recording();
    expect(
      validateDeadEvidence(valid, view, {
        nowMs: WALL,
        maxVoteAgeMs: 60_000,
        signatureCache: createSignatureCache(16),
        verify: host.verify,
      }),
    ).toMatchObject({ verdict: "accept", deadVotes: 3 });
    expect(host.checked).toEqual([a, b, reporter].map((voter) => keys.get(voter)?.publicKey));
    expect(
      validateDeadEvidence(valid, view, {
        nowMs: WALL,
        maxVoteAgeMs: 60_000,
        signatureCache: createSignatureCache(16),
        verify: refuse,
      }),
    ).toMatchObject({ verdict: "reject", reason: "forged-signature" });
  });

  it("the seeds' evidence validator passes the host's verify on", () => {
    const validate = createSeedEvidenceValidator({
      signatureCache: createSignatureCache(16),
      verify: refuse,
    });
    expect(codeOf(validate(subject, valid, context()))).toMatch(
      /^EVIDENCE_REJECTED: forged-signature/,
    );
  });

  it("the seed prober checks alive votes with the host's verify", () => {
    const aliveVote = vote(c, round, "alive");
    const heard = (verify: typeof refuse) =>
      createSeedProber<{ id: string }>({ self: seeds[0] as string, seeds }, { verify })
        .step(aliveVoteInput(aliveVote, c))
        .some((output) => output.type === "alive-vote-recorded");
    const host = recording();
    expect(heard(host.verify)).toBe(true);
    expect(host.checked).toEqual([keys.get(c)?.publicKey]);
    expect(heard(refuse)).toBe(false);
  });
});
