import {
  createCipheriv,
  createDecipheriv,
  createPrivateKey,
  createPublicKey,
  diffieHellman,
  type KeyObject,
  verify as verifyWith,
} from "node:crypto";
import type { NoiseCrypto } from "./noise.js";

/**
 * Node's native crypto (OpenSSL) for the link handshake and sealed frames: the same suite as
 * `nobleNoiseCrypto` (X25519, ChaCha20-Poly1305), checked against the same test vectors, many
 * times faster. Import it from `@p2p/wire/node-crypto` in a Node host; portable code keeps the
 * default.
 */

/** DER prefixes wrapping a raw 32-byte key: X25519 PKCS #8 and SPKI, Ed25519 SPKI. */
const X25519_PKCS8 = Buffer.from("302e020100300506032b656e04220420", "hex");
const X25519_SPKI = Buffer.from("302a300506032b656e032100", "hex");
const ED25519_SPKI = Buffer.from("302a300506032b6570032100", "hex");
const TAG_BYTES = 16;

/**
 * Importing a raw secret is most of the cost of an X25519 operation on `node:crypto` (about
 * 0.4 ms, the operation itself 0.05 ms), so each secret array is imported once: a process's
 * static key for all its handshakes, an ephemeral key for the operations of its handshake. Key
 * arrays are never modified after they are made (`noiseKeyPair`).
 */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const x25519PrivateKey = (secretKey: Uint8Array): KeyObject => {
  let key = privateKeys.get(secretKey);
  if (key === undefined) {
    key = createPrivateKey({
      key: Buffer.concat([X25519_PKCS8, secretKey]),
      format: "der",
      type: "pkcs8",
    });
    privateKeys.set(secretKey, key);
  }
  return key;
};

/** X25519 and ChaCha20-Poly1305 on `node:crypto`. */
export const nodeNoiseCrypto: NoiseCrypto = {
  x25519PublicKey(secretKey) {
    const der = createPublicKey(x25519PrivateKey(secretKey)).export({
      format: "der",
      type: "spki",
    });
    return new Uint8Array(der.subarray(X25519_SPKI.length));
  },
  x25519(secretKey, publicKey) {
    if (publicKey.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
    // OpenSSL refuses a point of small order (an all-zero shared secret), as the noble default does.
    return new Uint8Array(
      diffieHellman({
        privateKey: x25519PrivateKey(secretKey),
        publicKey: createPublicKey({
          key: Buffer.concat([X25519_SPKI, publicKey]),
          format: "der",
          type: "spki",
        }),
      }),
    );
  },
  seal(key, nonce, ad, plaintext) {
    const cipher = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG_BYTES });
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return new Uint8Array(Buffer.concat([head, tail, cipher.getAuthTag()]));
  },
  open(key, nonce, ad, sealed) {
    if (sealed.length < TAG_BYTES) throw new RangeError("a message shorter than its tag");
    const body = sealed.subarray(0, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv("chacha20-poly1305", key, nonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(ad, { plaintextLength: body.length });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const head = decipher.update(body);
    return new Uint8Array(Buffer.concat([head, decipher.final()])); // final() throws on a bad tag
  },
};

/** Most Ed25519 public keys kept imported (a member directory's worth); the oldest goes first. */
const MAX_VERIFY_KEYS = 4_096;
const verifyKeys = new Map<string, KeyObject>();

/** The imported public key of `publicKeyHex`, kept so a member's key is imported once. */
const ed25519PublicKey = (publicKeyHex: string): KeyObject => {
  let key = verifyKeys.get(publicKeyHex);
  if (key === undefined) {
    key = createPublicKey({
      key: Buffer.concat([ED25519_SPKI, Buffer.from(publicKeyHex, "hex")]),
      format: "der",
      type: "spki",
    });
    verifyKeys.set(publicKeyHex, key);
    if (verifyKeys.size > MAX_VERIFY_KEYS) {
      const oldest = verifyKeys.keys().next().value;
      if (oldest !== undefined) verifyKeys.delete(oldest);
    }
  }
  return key;
};

/**
 * Verifies an Ed25519 signature with `node:crypto`; false, never a throw, on any bad input.
 * Public keys are imported once and kept (at most 4,096, oldest dropped first).
 */
export function nodeVerifyEd25519(
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || signature.length !== 64) return false;
  try {
    return verifyWith(null, bytes, ed25519PublicKey(publicKeyHex), signature);
  } catch {
    return false;
  }
}
