import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import {
  createLinkHandshake,
  type LinkHandshake,
  type LinkHandshakeOutput,
  type LinkRole,
} from "./link-handshake.js";
import { noiseKeyPair } from "./noise.js";

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** Deterministic 32 bytes per label (tests only; hosts draw real randomness). */
const bytes32 = (label: number) =>
  Uint8Array.from({ length: 32 }, (_, index) => (label * 53 + index * 11 + 1) % 256);

/** A node's identity key (Ed25519) and its process's Noise static key. */
const node = (label: number) => {
  const secret = bytes32(label);
  return {
    identity: {
      publicKey: hex(ed25519.getPublicKey(secret)),
      sign: (data: Uint8Array) => ed25519.sign(data, secret),
    },
    staticKey: noiseKeyPair(bytes32(label + 100)),
  };
};
const verify = (publicKey: string, data: Uint8Array, signature: Uint8Array) =>
  ed25519.verify(signature, data, Buffer.from(publicKey, "hex"));

let ephemeralLabel = 1000;
const side = (
  who: ReturnType<typeof node>,
  options: {
    isInitiator: boolean;
    self: string;
    role: LinkRole;
    dialled?: string;
    expectedIdentityKey?: string;
  },
  identity = who.identity,
): LinkHandshake =>
  createLinkHandshake(options, {
    identity,
    verify,
    staticKey: who.staticKey,
    ephemeralKey: noiseKeyPair(bytes32(++ephemeralLabel)),
  });

const sends = (outputs: readonly LinkHandshakeOutput[]) =>
  outputs.flatMap((output) => (output.type === "send" ? [output.message] : []));
const outcome = (outputs: readonly LinkHandshakeOutput[]) =>
  outputs.find((output) => output.type !== "send");

/** Runs both sides to the end; returns the last non-send output of each. */
const run = (initiator: LinkHandshake, responder: LinkHandshake) => {
  responder.step({ type: "start", now: 0 });
  const [first] = sends(initiator.step({ type: "start", now: 0 }));
  const [second] = sends(responder.step({ type: "receive", now: 1, message: first as Uint8Array }));
  const atInitiator = initiator.step({ type: "receive", now: 2, message: second as Uint8Array });
  const [third] = sends(atInitiator);
  const atResponder =
    third === undefined ? [] : responder.step({ type: "receive", now: 3, message: third });
  return { initiator: outcome(atInitiator), responder: outcome(atResponder), third };
};

/** Peer B dials seed A at 10.0.0.1:5000; whoever answers there calls itself the seed. */
const dialSeed = {
  isInitiator: true,
  self: "10.0.1.2:6000",
  role: "peer" as const,
  dialled: "10.0.0.1:5000",
};
const asSeed = { isInitiator: false, self: "10.0.0.1:5000", role: "seed" as const };

const seedA = node(1);
const peerB = node(2);
const mallory = node(3);

describe("createLinkHandshake", () => {
  it("proves each side's identity key, address and role to the other, and opens one session", () => {
    const result = run(side(peerB, dialSeed), side(seedA, asSeed));
    expect(result.initiator).toMatchObject({
      type: "established",
      peer: { identityKey: seedA.identity.publicKey, address: "10.0.0.1:5000", role: "seed" },
    });
    expect(result.responder).toMatchObject({
      type: "established",
      peer: { identityKey: peerB.identity.publicKey, address: "10.0.1.2:6000", role: "peer" },
    });
    if (result.initiator?.type !== "established" || result.responder?.type !== "established") {
      throw new Error("not established");
    }
    const sealed = result.initiator.session.send.encrypt(Uint8Array.of(1, 2, 3));
    expect([...result.responder.session.receive.decrypt(sealed)]).toEqual([1, 2, 3]);
  });

  it("fails when another node answers for the dialled address (an impostor)", () => {
    const result = run(
      side(peerB, dialSeed),
      // mallory listens somewhere and answers the connection meant for the seed
      side(mallory, { isInitiator: false, self: "10.6.6.6:5000", role: "seed" }),
    );
    expect(result.initiator).toMatchObject({ type: "failed" });
    expect(result.third).toBeUndefined(); // the initiator never sends its identity to it
  });

  it("fails when the identity signature is not by the key it names (a borrowed identity)", () => {
    const borrowed = { publicKey: seedA.identity.publicKey, sign: mallory.identity.sign };
    const result = run(side(peerB, dialSeed), side(mallory, asSeed, borrowed));
    expect(result.initiator).toEqual({
      type: "failed",
      reason: "the identity signature does not verify",
    });
  });

  it("fails a replayed message 3 on a new session (fresh ephemeral keys on both sides)", () => {
    const recorded = run(side(peerB, dialSeed), side(seedA, asSeed));
    // mallory replays what peer B sent, on a connection of her own
    const responder = side(seedA, asSeed);
    responder.step({ type: "start", now: 0 });
    const replayer = side(mallory, { ...dialSeed, self: "10.6.6.6:6000" });
    const [first] = sends(replayer.step({ type: "start", now: 0 }));
    responder.step({ type: "receive", now: 1, message: first as Uint8Array });
    const replayed = responder.step({
      type: "receive",
      now: 2,
      message: recorded.third as Uint8Array,
    });
    expect(outcome(replayed)).toMatchObject({ type: "failed" });
  });

  it("fails on a timeout, on a message before start, and ignores everything after", () => {
    const slow = side(seedA, asSeed);
    slow.step({ type: "start", now: 0 });
    expect(slow.nextDeadline()).toBe(5_000);
    expect(slow.step({ type: "tick", now: 5_000 })).toEqual([
      { type: "failed", reason: "no handshake within 5000 ms" },
    ]);
    expect(slow.step({ type: "receive", now: 5_001, message: new Uint8Array(32) })).toEqual([]);
    const early = side(seedA, asSeed);
    expect(early.step({ type: "receive", now: 0, message: new Uint8Array(32) })).toEqual([
      { type: "failed", reason: "a message before the handshake started" },
    ]);
  });

  it("fails when the responder's identity key is not the one the initiator expects for that address", () => {
    // mallory, with a key of her own, claims the seed's address outright
    const result = run(
      side(peerB, { ...dialSeed, expectedIdentityKey: seedA.identity.publicKey }),
      side(mallory, asSeed),
    );
    expect(result.initiator).toMatchObject({
      type: "failed",
      reason: expect.stringMatching(/not the expected/),
    });
    expect(result.third).toBeUndefined();
  });

  it("refuses a small-order identity key (one whose signatures verify for any message)", () => {
    const weak = {
      publicKey: `01${"00".repeat(31)}`,
      sign: () => Uint8Array.from([1, ...new Array<number>(63).fill(0)]),
    };
    const result = run(side(peerB, dialSeed), side(mallory, asSeed, weak));
    expect(result.initiator).toMatchObject({
      type: "failed",
      reason: expect.stringMatching(/weak/),
    });
  });

  it("fails a late message even without a tick, and a peer using this node's own identity", () => {
    const responder = side(seedA, asSeed);
    responder.step({ type: "start", now: 0 });
    const initiator = side(peerB, dialSeed);
    const [first] = sends(initiator.step({ type: "start", now: 0 }));
    expect(responder.step({ type: "receive", now: 6_000, message: first as Uint8Array })).toEqual([
      { type: "failed", reason: "no handshake within 5000 ms" },
    ]);
    const mirror = run(
      side(seedA, { ...dialSeed, self: "10.0.0.9:5000", role: "seed" }),
      side(seedA, asSeed),
    );
    expect(mirror.initiator).toMatchObject({
      type: "failed",
      reason: expect.stringMatching(/own identity/),
    });
  });
});
