import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { createLinkHandshake, type LinkHandshakeOutput } from "./link-handshake.js";
import { noiseKeyPair } from "./noise.js";

/**
 * A golden vector of the link handshake (docs/WIRE.md §8): fixed keys in, every byte out. A
 * client in another language checks itself against it. `P2P_REWRITE=1` writes it anew after
 * an intended change of the handshake (which is a change of the wire format).
 */
const path = join(import.meta.dirname, "../testdata/noise/link-handshake-vector.json");
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const fill = (byte: number) => new Uint8Array(32).fill(byte);

function produce() {
  const keys = {
    initiatorIdentitySecret: fill(0x11),
    initiatorStaticSecret: fill(0x12),
    initiatorEphemeralSecret: fill(0x13),
    responderIdentitySecret: fill(0x21),
    responderStaticSecret: fill(0x22),
    responderEphemeralSecret: fill(0x23),
  };
  const identity = (secret: Uint8Array) => ({
    publicKey: hex(ed25519.getPublicKey(secret)),
    sign: (bytes: Uint8Array) => ed25519.sign(bytes, secret),
  });
  const verify = (key: string, bytes: Uint8Array, signature: Uint8Array) =>
    ed25519.verify(signature, bytes, Buffer.from(key, "hex"));
  const initiator = createLinkHandshake(
    { isInitiator: true, self: "10.0.1.2:6000", role: "peer", dialled: "10.0.0.1:5000" },
    {
      identity: identity(keys.initiatorIdentitySecret),
      verify,
      staticKey: noiseKeyPair(keys.initiatorStaticSecret),
      ephemeralKey: noiseKeyPair(keys.initiatorEphemeralSecret),
    },
  );
  const responder = createLinkHandshake(
    { isInitiator: false, self: "10.0.0.1:5000", role: "seed" },
    {
      identity: identity(keys.responderIdentitySecret),
      verify,
      staticKey: noiseKeyPair(keys.responderStaticSecret),
      ephemeralKey: noiseKeyPair(keys.responderEphemeralSecret),
    },
  );
  const sent = (outputs: readonly LinkHandshakeOutput[]) => {
    const message = outputs.find((output) => output.type === "send");
    if (message?.type !== "send") throw new Error("no message");
    return message.message;
  };
  const done = (outputs: readonly LinkHandshakeOutput[]) => {
    const result = outputs.find((output) => output.type === "established");
    if (result?.type !== "established") throw new Error(JSON.stringify(outputs));
    return result;
  };
  responder.step({ type: "start", now: 0 });
  const message1 = sent(initiator.step({ type: "start", now: 0 }));
  const message2 = sent(responder.step({ type: "receive", now: 0, message: message1 }));
  const atInitiator = initiator.step({ type: "receive", now: 0, message: message2 });
  const message3 = sent(atInitiator);
  const atResponder = done(responder.step({ type: "receive", now: 0, message: message3 }));
  const initiatorSession = done(atInitiator).session;
  const transport = initiatorSession.send.encrypt(new TextEncoder().encode("hello, seed"));
  return {
    description:
      "p2p link handshake: Noise_XX_25519_ChaChaPoly_SHA256 with signed identity payloads (docs/WIRE.md §8); all secrets are 32 bytes",
    initiator: {
      address: "10.0.1.2:6000",
      role: "peer",
      identitySecret: hex(keys.initiatorIdentitySecret),
      staticSecret: hex(keys.initiatorStaticSecret),
      ephemeralSecret: hex(keys.initiatorEphemeralSecret),
    },
    responder: {
      address: "10.0.0.1:5000",
      role: "seed",
      identitySecret: hex(keys.responderIdentitySecret),
      staticSecret: hex(keys.responderStaticSecret),
      ephemeralSecret: hex(keys.responderEphemeralSecret),
    },
    messages: [hex(message1), hex(message2), hex(message3)],
    handshakeHash: hex(initiatorSession.handshakeHash),
    responderLearned: atResponder.peer,
    firstTransportMessage: { plaintext: "hello, seed", ciphertext: hex(transport) },
  };
}

describe("the link handshake vector (testdata/noise/link-handshake-vector.json)", () => {
  it("is reproduced byte for byte", () => {
    const produced = `${JSON.stringify(produce(), null, 2)}\n`;
    if (process.env.P2P_REWRITE === "1") writeFileSync(path, produced);
    expect(produced).toBe(readFileSync(path, "utf8"));
  });
});
