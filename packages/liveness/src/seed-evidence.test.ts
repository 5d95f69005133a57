import { describe, expect, it } from "vitest";
import {
  createSeedEvidenceValidator,
  type SeedDirectoryRecord,
  type SeedEvidenceContext,
  type SeedProbeOutcome,
} from "./seed-evidence.js";
import { createEd25519Signer, keyPairFromSeed, signVote } from "./vote.js";

const WALL = 1_760_000_000_000;
const [suspect, a, b] = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1"] as [string, string, string];
const keys = new Map(
  [a, b].map((address, i) => [address, keyPairFromSeed(new Uint8Array(32).fill(i + 1))]),
);
const record = (address: string, neighbours: string[], status = "alive"): SeedDirectoryRecord => ({
  address,
  status,
  incarnation: 0,
  neighbours,
  ...(keys.has(address) ? { publicKey: keys.get(address)?.publicKey } : {}),
});
const subject = record(suspect, [a, b]);
const vote = (voter: string) =>
  signVote(
    {
      voter,
      suspect,
      incarnation: 0,
      round: "00000000000000a1",
      verdict: "dead",
      issuedAtMs: WALL,
    },
    createEd25519Signer(keys.get(voter)?.secretKey as string).sign,
  );
const evidence = (votes: ReturnType<typeof vote>[]) => ({
  suspect,
  incarnation: 0,
  round: "00000000000000a1",
  reporter: a,
  votes,
  insufficientNeighbours: votes.length === 0,
});
const context = (
  records: SeedDirectoryRecord[],
  probes: SeedProbeOutcome[] = [],
  now = 1_000,
): SeedEvidenceContext => ({
  now,
  wallTimeMs: WALL,
  records,
  probeResults: new Map(probes.map((probe) => [probe.address, probe])),
  aliveVotes: new Map(),
});
const failed = (address: string, atMs = 900): SeedProbeOutcome => ({
  address,
  incarnation: 0,
  isAlive: false,
  atMs,
});
const codeOf = (result: ReturnType<ReturnType<typeof createSeedEvidenceValidator>>) =>
  result.ok ? "ok" : result.error.code;

describe("createSeedEvidenceValidator (a pure function of its arguments)", () => {
  const validate = createSeedEvidenceValidator({ probeReuseMs: 10_000, probeVerdictMs: 60_000 });

  it("accepts a neighbour majority of valid votes", () => {
    const records = [subject, record(a, [suspect]), record(b, [suspect])];
    expect(codeOf(validate(subject, evidence([vote(a), vote(b)]), context(records)))).toBe("ok");
  });

  it("does not wait for a neighbour this seed's own recent probe found silent", () => {
    const records = [subject, record(a, [suspect]), record(b, [suspect])];
    const votes = evidence([vote(a)]);
    expect(codeOf(validate(subject, votes, context(records)))).toBe("EVIDENCE_REJECTED");
    // b did not answer this seed: one live neighbour left, too few to vote — the seed's own
    // failed probe of the suspect decides
    expect(codeOf(validate(subject, votes, context(records, [failed(b)])))).toBe(
      "EVIDENCE_NEEDS_PROBE",
    );
    expect(codeOf(validate(subject, votes, context(records, [failed(b), failed(suspect)])))).toBe(
      "ok",
    );
    // the suspect's probe is too old to count
    expect(
      codeOf(
        validate(subject, votes, context(records, [failed(b, 99_000), failed(suspect)], 100_000)),
      ),
    ).toBe("EVIDENCE_NEEDS_PROBE");
  });

  it("accepts a report with no votes only about an orphan this seed found silent", () => {
    const alone = [subject, record(a, [suspect], "dead"), record(b, [suspect], "dead")];
    const withNeighbour = [subject, record(a, [suspect]), record(b, [suspect], "dead")];
    const none = evidence([]);
    expect(codeOf(validate(subject, none, context(alone)))).toBe("EVIDENCE_REJECTED");
    expect(codeOf(validate(subject, none, context(alone, [failed(suspect)])))).toBe("ok");
    expect(codeOf(validate(subject, none, context(withNeighbour, [failed(suspect)])))).toBe(
      "EVIDENCE_REJECTED",
    );
    expect(
      codeOf(validate(subject, none, context(alone, [{ ...failed(suspect), incarnation: 1 }]))),
    ).toBe("EVIDENCE_REJECTED");
  });

  it("refuses evidence that is malformed or about someone else", () => {
    expect(codeOf(validate(subject, { votes: 1 }, context([subject])))).toBe("EVIDENCE_INVALID");
    expect(codeOf(validate(subject, { ...evidence([]), suspect: a }, context([subject])))).toBe(
      "EVIDENCE_INVALID",
    );
  });
});
