// What the link benchmarks share: the two sides of a link (identities on @noble/curves or on
// node:crypto), a whole handshake run in this thread, and a gossip message of a given size.
import { generateKeyPairSync, sign as nodeSign, randomBytes } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import {
  createCodec,
  createLinkHandshake,
  type LinkHandshakeDependencies,
  type LinkHandshakeOutput,
  type NoiseCrypto,
  type NoiseKeyPair,
  type NoiseSession,
  noiseKeyPair,
  verifyIdentitySignature,
} from "../src/index.js";
import { nodeNoiseCrypto, nodeVerifyEd25519 } from "../src/node-crypto.js";
import { type Gossip, GossipSchema } from "./fixtures.js";

/** Fresh random bytes as a plain Uint8Array (a Buffer is one, but may share a pool). */
export const random = (length: number): Uint8Array => new Uint8Array(randomBytes(length));
const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");

/** One side of a link: its Ed25519 identity, a verifier and its process's Noise static key. */
export interface Side {
  readonly identity: LinkHandshakeDependencies["identity"];
  readonly verify: LinkHandshakeDependencies["verify"];
  readonly staticKey: NoiseKeyPair;
  readonly crypto?: NoiseCrypto;
}

/** An identity on @noble/curves (the default of the links). */
export function nobleSide(): Side {
  const secret = random(32);
  return {
    identity: {
      publicKey: hex(ed25519.getPublicKey(secret)),
      sign: (bytes) => ed25519.sign(bytes, secret),
    },
    verify: verifyIdentitySignature,
    staticKey: noiseKeyPair(random(32)),
  };
}

/** Everything on node:crypto, as the seed and peer apps run: Ed25519, X25519, ChaCha20-Poly1305. */
export function nodeCryptoSide(): Side {
  const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const der = publicKey.export({ format: "der", type: "spki" });
  return {
    identity: {
      publicKey: der.subarray(SPKI_PREFIX.length).toString("hex"),
      sign: (bytes) => new Uint8Array(nodeSign(null, bytes, privateKey)),
    },
    verify: nodeVerifyEd25519,
    staticKey: noiseKeyPair(random(32), nodeNoiseCrypto),
    crypto: nodeNoiseCrypto,
  };
}

/** Runs both handshake machines of one link to the end, in this thread; returns both sessions. */
export function handshakeInMemory(initiator: Side, responder: Side): [NoiseSession, NoiseSession] {
  const sends = (outputs: readonly LinkHandshakeOutput[]) =>
    outputs.flatMap((output) => (output.type === "send" ? [output.message] : []));
  const session = (outputs: readonly LinkHandshakeOutput[]) => {
    for (const output of outputs) if (output.type === "established") return output.session;
    throw new Error(`handshake failed: ${JSON.stringify(outputs.at(-1))}`);
  };
  const a = createLinkHandshake(
    { isInitiator: true, self: "10.0.0.2:6000", role: "peer", dialled: "10.0.0.1:5000" },
    { ...initiator, ephemeralKey: noiseKeyPair(random(32), initiator.crypto) },
  );
  const b = createLinkHandshake(
    { isInitiator: false, self: "10.0.0.1:5000", role: "seed" },
    { ...responder, ephemeralKey: noiseKeyPair(random(32), responder.crypto) },
  );
  b.step({ type: "start", now: 0 });
  const [first] = sends(a.step({ type: "start", now: 0 }));
  const [second] = sends(b.step({ type: "receive", now: 0, message: first as Uint8Array }));
  const atA = a.step({ type: "receive", now: 0, message: second as Uint8Array });
  const [third] = sends(atA);
  const atB = b.step({ type: "receive", now: 0, message: third as Uint8Array });
  return [session(atA), session(atB)];
}

/** A gossip message whose msgpack encoding is `size` bytes (the body is padded to fit). */
export function typicalMessage(size: number): Gossip {
  const codec = createCodec(GossipSchema);
  const base: Gossip = {
    type: "gossip.message",
    id: "1795500000123:127.0.0.1:6001:7",
    origin: "127.0.0.1:6001",
    createdAtMs: 1_795_500_000_123,
    hops: 2,
    body: "",
  };
  for (let length = 0; length < size; length++) {
    const message = { ...base, body: "member 127.0.0.1:6042 joined; ".repeat(4).slice(0, length) };
    if (codec.encode(message).length === size) return message;
  }
  throw new Error(`no gossip message encodes to ${size} bytes`);
}

/** Whether two byte arrays hold the same bytes. */
export const equal = (a: Uint8Array, b: Uint8Array): boolean =>
  a.length === b.length && a.every((byte, index) => byte === b[index]);
