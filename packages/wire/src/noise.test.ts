import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { nodeNoiseCrypto } from "./node-crypto.js";
import {
  createNoiseXX,
  type NoiseCrypto,
  type NoiseXX,
  nobleNoiseCrypto,
  noiseKeyPair,
} from "./noise.js";

/** Both implementations of the suite's primitives must reproduce every vector. */
const suites: [string, NoiseCrypto][] = [
  ["@noble", nobleNoiseCrypto],
  ["node:crypto", nodeNoiseCrypto],
];

/**
 * The Noise_XX_25519_ChaChaPoly_SHA256 vector of the cacophony test suite (Noise protocol
 * test vectors): fixed keys, a prologue, three handshake messages and transport messages.
 */
const vector = JSON.parse(
  readFileSync(
    join(import.meta.dirname, "../testdata/noise/cacophony-xx-25519-chachapoly-sha256.json"),
    "utf8",
  ),
) as {
  init_prologue: string;
  init_static: string;
  init_ephemeral: string;
  resp_prologue: string;
  resp_static: string;
  resp_ephemeral: string;
  handshake_hash: string;
  messages: { payload: string; ciphertext: string }[];
};

const bytes = (hex: string) => Uint8Array.from(Buffer.from(hex, "hex"));
const hex = (data: Uint8Array) => Buffer.from(data).toString("hex");
const random32 = (seed: number) =>
  Uint8Array.from({ length: 32 }, (_, index) => (seed * 31 + index * 7) % 256);

const pair = (prologue = new Uint8Array(0), responderPrologue = prologue) => {
  const initiator = createNoiseXX({
    isInitiator: true,
    prologue,
    staticKey: noiseKeyPair(random32(1)),
    ephemeralKey: noiseKeyPair(random32(2)),
  });
  const responder = createNoiseXX({
    isInitiator: false,
    prologue: responderPrologue,
    staticKey: noiseKeyPair(random32(3)),
    ephemeralKey: noiseKeyPair(random32(4)),
  });
  return { initiator, responder };
};

/** Flips the lowest bit of one byte (a tampered message). */
const flip = (data: Uint8Array, index: number) => {
  data[index] = (data[index] ?? 0) ^ 1;
};

const handshake = (initiator: NoiseXX, responder: NoiseXX) => {
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
  initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
};

describe("Noise XX (25519, ChaChaPoly, SHA256)", () => {
  it.each(suites)("reproduces the published test vector byte for byte (%s)", (_name, crypto) => {
    const initiator = createNoiseXX({
      isInitiator: true,
      prologue: bytes(vector.init_prologue),
      staticKey: noiseKeyPair(bytes(vector.init_static), crypto),
      ephemeralKey: noiseKeyPair(bytes(vector.init_ephemeral), crypto),
      crypto,
    });
    const responder = createNoiseXX({
      isInitiator: false,
      prologue: bytes(vector.resp_prologue),
      staticKey: noiseKeyPair(bytes(vector.resp_static), crypto),
      ephemeralKey: noiseKeyPair(bytes(vector.resp_ephemeral), crypto),
      crypto,
    });
    const [first, second, third, ...transport] = vector.messages;
    if (first === undefined || second === undefined || third === undefined)
      throw new Error("vector");
    const message1 = initiator.writeMessage(bytes(first.payload));
    expect(hex(message1)).toBe(first.ciphertext);
    expect(hex(responder.readMessage(message1))).toBe(first.payload);
    const message2 = responder.writeMessage(bytes(second.payload));
    expect(hex(message2)).toBe(second.ciphertext);
    expect(hex(initiator.readMessage(message2))).toBe(second.payload);
    const message3 = initiator.writeMessage(bytes(third.payload));
    expect(hex(message3)).toBe(third.ciphertext);
    expect(hex(responder.readMessage(message3))).toBe(third.payload);
    expect(hex(initiator.handshakeHash())).toBe(vector.handshake_hash);
    expect(hex(responder.handshakeHash())).toBe(vector.handshake_hash);
    const sessions = { initiator: initiator.session(), responder: responder.session() };
    expect(hex(sessions.initiator?.remoteStaticKey ?? new Uint8Array())).toBe(
      hex(noiseKeyPair(bytes(vector.resp_static)).publicKey),
    );
    // transport messages alternate, the responder first (message 4 of the vector)
    transport.forEach((message, index) => {
      const [sender, receiver] =
        index % 2 === 0
          ? [sessions.responder, sessions.initiator]
          : [sessions.initiator, sessions.responder];
      const sealed = sender?.send.encrypt(bytes(message.payload)) ?? new Uint8Array();
      expect(hex(sealed)).toBe(message.ciphertext);
      expect(hex(receiver?.receive.decrypt(sealed) ?? new Uint8Array())).toBe(message.payload);
    });
  });

  it("fails message 2 when the prologues differ (no session with a peer expecting another address)", () => {
    const { initiator, responder } = pair(Uint8Array.of(1), Uint8Array.of(2));
    responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
    const second = responder.writeMessage(new Uint8Array(0));
    expect(() => initiator.readMessage(second)).toThrow(
      expect.objectContaining({ code: "HANDSHAKE_FAILED" }),
    );
    expect(() => initiator.writeMessage(new Uint8Array(0))).toThrow(/already failed/);
  });

  it("refuses a tampered handshake message, a message out of turn and a tampered transport message", () => {
    const tampered = pair();
    tampered.responder.readMessage(tampered.initiator.writeMessage(new Uint8Array(0)));
    const second = tampered.responder.writeMessage(Uint8Array.of(7));
    flip(second, second.length - 1);
    expect(() => tampered.initiator.readMessage(second)).toThrow(/failed authentication/);

    const early = pair();
    expect(() => early.responder.writeMessage(new Uint8Array(0))).toThrow(/not this side's/);

    const { initiator, responder } = pair();
    handshake(initiator, responder);
    const sealed = initiator.session()?.send.encrypt(Uint8Array.of(1, 2, 3)) ?? new Uint8Array();
    flip(sealed, 0);
    expect(() => responder.session()?.receive.decrypt(sealed)).toThrow(/failed authentication/);
  });

  it("gives both sides the same handshake hash and each other's static key", () => {
    const { initiator, responder } = pair(Uint8Array.of(9));
    handshake(initiator, responder);
    expect(hex(initiator.handshakeHash())).toBe(hex(responder.handshakeHash()));
    expect(hex(responder.session()?.remoteStaticKey ?? new Uint8Array())).toBe(
      hex(noiseKeyPair(random32(1)).publicKey),
    );
    const reply = responder.session()?.send.encrypt(Uint8Array.of(4)) ?? new Uint8Array();
    expect([...(initiator.session()?.receive.decrypt(reply) ?? [])]).toEqual([4]);
  });

  it("a forged transport message does not move the nonce: the genuine one still opens", () => {
    const { initiator, responder } = pair();
    handshake(initiator, responder);
    const genuine = initiator.session()?.send.encrypt(Uint8Array.of(5)) ?? new Uint8Array();
    const forged = Uint8Array.from(genuine);
    flip(forged, 0);
    expect(() => responder.session()?.receive.decrypt(forged)).toThrow(/failed authentication/);
    expect([...(responder.session()?.receive.decrypt(genuine) ?? [])]).toEqual([5]);
  });

  it("refuses a transport message over 65535 bytes and hands out copies of its hash", () => {
    const { initiator, responder } = pair();
    handshake(initiator, responder);
    expect(() => initiator.session()?.send.encrypt(new Uint8Array(65_520))).toThrow(/65535/);
    const hash = initiator.handshakeHash();
    hash.fill(0);
    expect(hex(initiator.handshakeHash())).toBe(hex(responder.handshakeHash()));
  });

  it.each(suites)("refuses a small-order public key and a forged tag (%s)", (_name, crypto) => {
    const secret = random32(9);
    expect(() => crypto.x25519(secret, new Uint8Array(32))).toThrow();
    const key = random32(10);
    const nonce = new Uint8Array(12);
    const sealed = crypto.seal(key, nonce, Uint8Array.of(1), Uint8Array.of(5, 6, 7));
    expect([...crypto.open(key, nonce, Uint8Array.of(1), sealed)]).toEqual([5, 6, 7]);
    expect(() => crypto.open(key, nonce, Uint8Array.of(2), sealed)).toThrow();
    const forged = Uint8Array.from(sealed);
    forged[0] = (forged[0] ?? 0) ^ 1;
    expect(() => crypto.open(key, nonce, Uint8Array.of(1), forged)).toThrow();
  });
});
