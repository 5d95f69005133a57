import { err, ok, P2pError } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testKey, verifySignature } from "../test/keys.js";
import { createAcceptor, type TransitionValidator } from "./acceptor.js";
import type { Ballot } from "./ballot.js";
import { canonicalJson, createCertifier, isSameJson } from "./certificate.js";
import type { AcceptMessage, Attestation, MemberRecord } from "./messages.js";

const key = "10.9.0.1:7000";
const seeds = ["a", "b", "c"];
const keys = new Map(seeds.map((seed) => [seed, testKey()]));
const seedKeys = new Map([...keys].map(([seed, pair]) => [seed, pair.publicKey]));
const certifierOf = (seed: string) =>
  createCertifier({
    seedId: seed,
    seeds,
    quorumSize: 2,
    sign: keys.get(seed)?.sign,
    seedKeys,
    verify: verifySignature,
  });

const alive: MemberRecord = {
  address: key,
  status: "alive",
  incarnation: 0,
  neighbours: [],
  changedAt: 1,
};
const tombstone: MemberRecord = {
  address: key,
  status: "dead",
  incarnation: 0,
  neighbours: [],
  changedAt: 2,
};
/** Like the membership rules: a record becomes dead only with evidence. */
const needsEvidence: TransitionValidator = (_key, current, proposed) =>
  proposed?.status === "dead" && current?.status !== "dead" && proposed.evidence === undefined
    ? err(new P2pError("TRANSITION_INVALID", "a removal needs evidence"))
    : ok(undefined);
const ballot = (counter: number, proposer = "a"): Ballot => ({ counter, proposer });
const attest = (seed: string, at: Ballot, value: MemberRecord | null): Attestation =>
  certifierOf(seed).attest(key, at, value) as Attestation;

/** An accept of `value` at ballot 9 built on `base` (committed at `baseBallot`). */
const acceptOn = (
  value: MemberRecord,
  baseBallot: Ballot,
  attestations: Attestation[],
): AcceptMessage => ({
  type: "quorum.accept",
  requestId: "r",
  key,
  ballot: ballot(9, "c"),
  value,
  operations: [],
  nextBallot: null,
  base: { ballot: baseBallot, value: tombstone, attestations },
});

/** An acceptor (seed b) that accepted `alive` at ballot 2 and missed everything after. */
const laggingAcceptor = () => {
  const acceptor = createAcceptor(needsEvidence, new Map(), certifierOf("b"));
  acceptor.accept({
    type: "quorum.accept",
    requestId: "first",
    key,
    ballot: ballot(2),
    value: alive,
    operations: [],
    nextBallot: null,
  });
  return acceptor;
};
const verdict = (outputs: ReturnType<ReturnType<typeof laggingAcceptor>["accept"]>) =>
  outputs.find((output) => output.type === "reply")?.message;

describe("commit certificates", () => {
  it("canonical JSON does not depend on key order or undefined fields", () => {
    expect(canonicalJson({ b: 1, a: [{ y: 2, x: undefined, w: new Uint8Array([255]) }] })).toBe(
      canonicalJson({ a: [{ w: new Uint8Array([255]), y: 2 }], b: 1 }),
    );
  });

  it("compares values as their canonical JSON does, without writing it out", () => {
    const leaf = fc.oneof(
      fc.constantFrom(null, undefined, 0, 1, "", "a", true, false),
      fc.uint8Array({ maxLength: 2 }),
    );
    const value = fc.letrec((tie) => ({
      node: fc.oneof(
        { depthSize: "small" },
        leaf,
        fc.array(tie("node"), { maxLength: 3 }),
        fc.dictionary(fc.constantFrom("a", "b", "$hex"), tie("node"), { maxKeys: 3 }),
      ),
    })).node;
    // Pairs that are often equal: a value against itself rebuilt with its keys in reverse.
    const reversed = (input: unknown): unknown =>
      Array.isArray(input)
        ? input.map(reversed)
        : typeof input === "object" && input !== null && !(input instanceof Uint8Array)
          ? Object.fromEntries(
              Object.entries(input)
                .reverse()
                .map(([name, field]) => [name, reversed(field)]),
            )
          : input;
    fc.assert(
      fc.property(value, value, (a, b) => {
        expect(isSameJson(a, b)).toBe(canonicalJson(a) === canonicalJson(b));
        expect(isSameJson(a, reversed(a))).toBe(true);
      }),
      { seed: 20261204, numRuns: 2000 },
    );
  });

  it("a quorum of distinct seeds' signatures over the same value proves it; less does not", () => {
    const certifier = certifierOf("a");
    const at = ballot(5);
    const [byA, byB] = [attest("a", at, tombstone), attest("b", at, tombstone)];
    expect(certifier.proves(key, at, tombstone, [byA, byB])).toBe(true);
    expect(certifier.proves(key, at, tombstone, [byA, byA])).toBe(false); // one seed twice
    expect(certifier.proves(key, at, tombstone, [byA, { ...byB, seed: "z" }])).toBe(false);
    expect(certifier.proves(key, at, alive, [byA, byB])).toBe(false); // another value
    expect(certifier.proves(key, ballot(6), tombstone, [byA, byB])).toBe(false); // another ballot
    // A signature that is not hex (or not whole bytes) counts for nothing, and never throws.
    for (const signature of ["zz".repeat(64), "0".repeat(127)]) {
      expect(certifier.proves(key, at, tombstone, [byA, { ...byB, signature }])).toBe(false);
    }
  });

  it("a lagging acceptor accepts a committed tombstone carried with its certificate", () => {
    const at = ballot(5);
    const outputs = laggingAcceptor().accept(
      acceptOn(tombstone, at, [attest("a", at, tombstone), attest("c", at, tombstone)]),
    );
    expect(verdict(outputs)).toMatchObject({ ok: true, attestation: { seed: "b" } });
  });

  it("refuses a tombstone with one seed's word, or with signatures by no seed of the set", () => {
    const at = ballot(5);
    const rogue = testKey();
    const forged: Attestation = {
      seed: "c",
      signature: Buffer.from(rogue.sign(new Uint8Array([1]))).toString("hex"),
    };
    for (const attestations of [
      [attest("c", at, tombstone)],
      [attest("c", at, tombstone), forged],
    ]) {
      const outputs = laggingAcceptor().accept(acceptOn(tombstone, at, attestations));
      expect(verdict(outputs)).toMatchObject({ ok: false, reason: "a removal needs evidence" });
    }
  });

  it("refuses a certificate older than what it accepted itself (no rollback to an old value)", () => {
    const old = ballot(1);
    const outputs = laggingAcceptor().accept(
      acceptOn(tombstone, old, [attest("a", old, tombstone), attest("c", old, tombstone)]),
    );
    expect(verdict(outputs)).toMatchObject({ ok: false });
  });

  it("marks a value committed only when it holds exactly that value", () => {
    const acceptor = laggingAcceptor();
    expect(acceptor.markCommitted(key, ballot(3), alive, [])).toEqual([]);
    expect(acceptor.markCommitted(key, ballot(2), tombstone, [])).toEqual([]);
    const marked = acceptor.markCommitted(key, ballot(2), alive, [attest("a", ballot(2), alive)]);
    expect(marked).toHaveLength(1);
    expect(acceptor.state(key)?.accepted).toMatchObject({ committed: true });
    expect(acceptor.state(key)?.accepted?.attestations?.map((each) => each.seed)).toEqual([
      "b",
      "a",
    ]);
  });

  it("without certificates, a base counts only where no signature is checked at all", () => {
    const at = ballot(5);
    const withoutKeys = (verify?: typeof verifySignature) =>
      createCertifier({ seedId: "b", seeds, quorumSize: 2, verify });
    for (const [certifier, expected] of [
      [withoutKeys(verifySignature), false], // peers' proofs checked: a forged base is refused
      [withoutKeys(), true], // a trusted embedding: the proposer's word
    ] as const) {
      const acceptor = createAcceptor(needsEvidence, new Map(), certifier);
      acceptor.accept({ ...acceptOn(alive, ballot(2), []), ballot: ballot(2), base: null });
      const outputs = acceptor.accept(acceptOn(tombstone, at, []));
      expect(verdict(outputs)).toMatchObject({ ok: expected });
    }
  });
});
