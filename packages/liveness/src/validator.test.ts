import { describe, expect, it } from "vitest";
import type { DeadEvidence, SignedVote } from "./messages.js";
import {
  type MemberStatus,
  type MembershipView,
  requiredDeadVotes,
  validateDeadEvidence,
} from "./validator.js";
import {
  createEd25519Signer,
  createSignatureCache,
  keyPairFromSeed,
  signVote,
  verifyVote,
} from "./vote.js";

const NOW = 1_760_000_000_000;
const ROUND = "00000000000000a1";
const addresses = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1", "10.0.0.5:1"];
const [suspect, a, b, c, d] = addresses as [string, string, string, string, string];
const keys = new Map(
  addresses.map((address, i) => [address, keyPairFromSeed(new Uint8Array(32).fill(i + 1))]),
);

function view(
  neighbours: readonly string[] = [a, b, c, d],
  statuses: Record<string, MemberStatus> = {},
): MembershipView {
  return {
    neighboursOf: (address) => (address === suspect ? neighbours : [suspect]),
    publicKeyOf: (address) => keys.get(address)?.publicKey,
    statusOf: (address) =>
      statuses[address] ?? (keys.has(address) ? { status: "alive", incarnation: 0 } : undefined),
  };
}
const deadVote = (voter: string, overrides: Partial<SignedVote> = {}): SignedVote =>
  signVote(
    {
      voter,
      suspect,
      incarnation: 0,
      round: ROUND,
      verdict: "dead",
      issuedAtMs: NOW - 1000,
      ...overrides,
    },
    createEd25519Signer(keys.get(voter)?.secretKey as string).sign,
  );
const evidence = (votes: SignedVote[], reporter = a): DeadEvidence => ({
  suspect,
  incarnation: 0,
  round: ROUND,
  reporter,
  votes,
  insufficientNeighbours: false,
});
const options = { nowMs: NOW, maxVoteAgeMs: 30_000 };

describe("validateDeadEvidence", () => {
  it("accepts dead votes from a strict majority (≥ 2) of the suspect's live neighbours", () => {
    expect(
      validateDeadEvidence(evidence([deadVote(a), deadVote(b), deadVote(c)]), view(), options),
    ).toEqual({
      verdict: "accept",
      deadVotes: 3,
      neighbours: 4,
    });
  });

  it("a lying peer alone achieves nothing: no votes, its own vote only, too few votes", () => {
    expect(validateDeadEvidence(evidence([]), view(), options)).toMatchObject({
      verdict: "reject",
      reason: "no-votes",
    });
    expect(validateDeadEvidence(evidence([deadVote(a)]), view(), options)).toMatchObject({
      verdict: "reject",
      reason: "too-few-votes",
    });
    expect(
      validateDeadEvidence(evidence([deadVote(a), deadVote(b)]), view(), options),
    ).toMatchObject({
      reason: "too-few-votes",
    });
  });

  it("rejects forged signatures, duplicate voters, outsiders, stale and alive votes", () => {
    const forged = { ...deadVote(b), signature: deadVote(a).signature };
    expect(
      validateDeadEvidence(evidence([deadVote(a), forged, deadVote(c)]), view(), options),
    ).toMatchObject({
      reason: "forged-signature",
    });
    // A vote signed by a with b's name on it.
    const impersonated = signVote(
      { voter: b, suspect, incarnation: 0, round: ROUND, verdict: "dead", issuedAtMs: NOW },
      createEd25519Signer(keys.get(a)?.secretKey as string).sign,
    );
    expect(
      validateDeadEvidence(evidence([deadVote(a), impersonated, deadVote(c)]), view(), options),
    ).toMatchObject({
      reason: "forged-signature",
    });
    expect(
      validateDeadEvidence(evidence([deadVote(a), deadVote(a), deadVote(c)]), view(), options),
    ).toMatchObject({
      reason: "duplicate-voter",
    });
    // An outsider's vote is not counted: it neither makes nor breaks a majority.
    expect(
      validateDeadEvidence(evidence([deadVote(a), deadVote(d)]), view([a, b, c]), options),
    ).toMatchObject({ verdict: "reject", reason: "too-few-votes" });
    expect(validateDeadEvidence(evidence([deadVote(d)]), view([a, b, c]), options)).toMatchObject({
      verdict: "reject",
      reason: "voter-not-neighbour",
    });
    expect(
      validateDeadEvidence(
        evidence([deadVote(a), deadVote(b), deadVote(d)]),
        view([a, b, c]),
        options,
      ),
    ).toMatchObject({ verdict: "accept", deadVotes: 2 });
    expect(
      validateDeadEvidence(
        evidence([deadVote(a), deadVote(b, { issuedAtMs: NOW - 60_000 }), deadVote(c)]),
        view(),
        options,
      ),
    ).toMatchObject({ reason: "stale" });
    expect(
      validateDeadEvidence(
        evidence([deadVote(a), deadVote(b, { verdict: "alive" }), deadVote(c)]),
        view(),
        options,
      ),
    ).toMatchObject({ reason: "alive-vote" });
    const unsigned = { ...deadVote(c), issuedAtMs: NOW - 999 };
    expect(
      validateDeadEvidence(evidence([deadVote(a), deadVote(b), unsigned]), view(), options),
    ).toMatchObject({
      reason: "forged-signature",
    });
  });

  it("is a no-op for an unknown or already-dead suspect or an older incarnation", () => {
    const votes = [deadVote(a), deadVote(b), deadVote(c)];
    expect(
      validateDeadEvidence({ ...evidence(votes), suspect: "9.9.9.9:9" }, view(), options).verdict,
    ).toBe("no-op");
    expect(
      validateDeadEvidence(
        evidence(votes),
        view(undefined, { [suspect]: { status: "dead", incarnation: 0 } }),
        options,
      ).verdict,
    ).toBe("no-op");
    expect(
      validateDeadEvidence(
        evidence(votes),
        view(undefined, { [suspect]: { status: "alive", incarnation: 1 } }),
        options,
      ).verdict,
    ).toBe("no-op");
  });

  it("asks the seeds to probe when the suspect has fewer than two live neighbours", () => {
    expect(validateDeadEvidence(evidence([deadVote(a)]), view([a]), options)).toMatchObject({
      verdict: "needs-probe",
    });
    // Dead neighbours do not count: with b, c, d dead, a alone is left.
    const dead = { status: "dead" as const, incarnation: 0 };
    expect(
      validateDeadEvidence(
        evidence([deadVote(a)]),
        view(undefined, { [b]: dead, [c]: dead, [d]: dead }),
        options,
      ),
    ).toMatchObject({ verdict: "needs-probe" });
  });

  it("requires a strict majority and at least two witnesses", () => {
    expect([1, 2, 3, 4, 5, 10].map(requiredDeadVotes)).toEqual([2, 2, 2, 3, 3, 6]);
  });

  it("caches verified signatures but never a failed check", () => {
    const cache = createSignatureCache(2);
    const vote = deadVote(a);
    const publicKey = keys.get(a)?.publicKey as string;
    expect(verifyVote(vote, publicKey, cache)).toBe(true);
    expect(cache.size).toBe(1);
    expect(verifyVote({ ...vote, issuedAtMs: 1 }, publicKey, cache)).toBe(false);
    expect(cache.size).toBe(1);
    expect(verifyVote(vote, "zz", cache)).toBe(false);
  });
});
