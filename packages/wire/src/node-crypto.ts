import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createPrivateKey,
  createPublicKey,
  createSecretKey,
  diffieHellman,
  type KeyObject,
  sign as signWith,
  verify as verifyWith,
} from "node:crypto";
import { BoundedMap } from "./bounded-map.js";
import type { NoiseCrypto } from "./noise.js";

/**
 * Node's native crypto (OpenSSL) for the link handshake and sealed frames: the same suite as
 * `nobleNoiseCrypto` (X25519, ChaCha20-Poly1305), checked against the same test vectors, many
 * times faster. Import it from `@p2p/wire/node-crypto` in a Node host; portable code keeps the
 * default.
 */

/** The DER prefixes wrapping a raw 32-byte secret as PKCS #8: X25519, Ed25519. */
const PKCS8_PREFIX = {
  X25519: Buffer.from("302e020100300506032b656e04220420", "hex"),
  Ed25519: Buffer.from("302e020100300506032b657004220420", "hex"),
} as const;
const TAG_BYTES = 16;

type Curve = keyof typeof PKCS8_PREFIX;

const base64url = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("base64url");

/**
 * Imports a raw secret as a JSON Web Key: OpenSSL builds the key from the raw bytes (about
 * 0.04 ms), where a DER import goes through its decoder (about 0.5 ms). Node derives the public
 * half from `d` and requires `x` only to be present, so `x` carries a placeholder (zeros).
 */
const PLACEHOLDER_X = base64url(new Uint8Array(32));
const importSecretJwk = (crv: Curve, secretKey: Uint8Array): KeyObject =>
  createPrivateKey({
    key: { kty: "OKP", crv, d: base64url(secretKey), x: PLACEHOLDER_X },
    format: "jwk",
  });

const importSecretDer = (crv: Curve, secretKey: Uint8Array): KeyObject =>
  createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX[crv], secretKey]),
    format: "der",
    type: "pkcs8",
  });

const rawPublicKey = (key: KeyObject): Uint8Array => {
  const { x } = key.export({ format: "jwk" });
  return new Uint8Array(Buffer.from(x as string, "base64url"));
};

/**
 * The JWK import is used only when this Node derives the public key from the secret alone:
 * checked once, against RFC 7748 §6.1 (Alice's X25519 keys) and RFC 8032 §7.1 (Ed25519 test 1);
 * otherwise every import takes the DER path.
 */
const importSecret = ((): ((crv: Curve, secretKey: Uint8Array) => KeyObject) => {
  const vectors: readonly [Curve, string, string][] = [
    [
      "X25519",
      "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a",
      "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a",
    ],
    [
      "Ed25519",
      "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    ],
  ];
  try {
    const isDerived = vectors.every(([crv, secret, expected]) => {
      const key = importSecretJwk(crv, Buffer.from(secret, "hex"));
      return Buffer.from(rawPublicKey(createPublicKey(key))).toString("hex") === expected;
    });
    if (isDerived) return importSecretJwk;
  } catch {
    // An older or stricter Node: the DER path below.
  }
  return importSecretDer;
})();

/** A raw 32-byte public key of curve `crv`, imported as a JSON Web Key (no DER decoder). */
const importPublic = (crv: Curve, publicKey: Uint8Array): KeyObject =>
  createPublicKey({ key: { kty: "OKP", crv, x: base64url(publicKey) }, format: "jwk" });

/**
 * Importing a raw secret is most of the cost of an X25519 operation on `node:crypto`, so each
 * secret array is imported once: a process's static key for all its handshakes, an ephemeral
 * key for the operations of its handshake. Key arrays are never modified after they are made
 * (`noiseKeyPair`).
 */
const privateKeys = new WeakMap<Uint8Array, KeyObject>();
const x25519PrivateKey = (secretKey: Uint8Array): KeyObject => {
  let key = privateKeys.get(secretKey);
  if (key === undefined) {
    key = importSecret("X25519", secretKey);
    privateKeys.set(secretKey, key);
  }
  return key;
};

/**
 * The cipher key of a session as a KeyObject, made once per key: `createCipheriv` with a
 * KeyObject skips importing the raw key on every message (about 0.8 µs of each seal and open).
 */
const cipherKeys = new WeakMap<Uint8Array, KeyObject>();
const cipherKey = (key: Uint8Array): KeyObject => {
  let object = cipherKeys.get(key);
  if (object === undefined) {
    object = createSecretKey(key);
    cipherKeys.set(key, object);
  }
  return object;
};

/** A plain `Uint8Array` over a Buffer's bytes, without copying them. */
const view = (buffer: Buffer): Uint8Array =>
  new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);

/** X25519 and ChaCha20-Poly1305 on `node:crypto`. */
export const nodeNoiseCrypto: NoiseCrypto = {
  x25519PublicKey(secretKey) {
    return rawPublicKey(createPublicKey(x25519PrivateKey(secretKey)));
  },
  x25519(secretKey, publicKey) {
    if (publicKey.length !== 32) throw new RangeError("an X25519 public key is 32 bytes");
    // OpenSSL refuses a point of small order (an all-zero shared secret), as the noble default does.
    return new Uint8Array(
      diffieHellman({
        privateKey: x25519PrivateKey(secretKey),
        publicKey: importPublic("X25519", publicKey),
      }),
    );
  },
  seal(key, nonce, ad, plaintext) {
    const cipher = createCipheriv("chacha20-poly1305", cipherKey(key), nonce, {
      authTagLength: TAG_BYTES,
    });
    cipher.setAAD(ad, { plaintextLength: plaintext.length });
    const head = cipher.update(plaintext);
    const tail = cipher.final();
    return view(Buffer.concat([head, tail, cipher.getAuthTag()]));
  },
  open(key, nonce, ad, sealed) {
    if (sealed.length < TAG_BYTES) throw new RangeError("a message shorter than its tag");
    const body = sealed.subarray(0, sealed.length - TAG_BYTES);
    const decipher = createDecipheriv("chacha20-poly1305", cipherKey(key), nonce, {
      authTagLength: TAG_BYTES,
    });
    decipher.setAAD(ad, { plaintextLength: body.length });
    decipher.setAuthTag(sealed.subarray(sealed.length - TAG_BYTES));
    const head = decipher.update(body);
    const tail = decipher.final(); // throws on a bad tag
    return view(tail.length === 0 ? head : Buffer.concat([head, tail]));
  },
};

/** An Ed25519 signer on `node:crypto`: what a node proves its identity with. */
export interface NodeEd25519Signer {
  /** Ed25519 public key, 32 bytes as hex. */
  readonly publicKey: string;
  /** Signs `bytes` (RFC 8032, deterministic); returns the 64-byte signature. */
  sign(bytes: Uint8Array): Uint8Array;
}

/**
 * An Ed25519 signer for a raw 32-byte secret, on `node:crypto`: the secret stays inside the
 * closure (in no object a caller could log). Signatures equal those of any RFC 8032
 * implementation for the same secret, so a seeded simulation replays the same bytes with it.
 */
export function nodeEd25519Signer(secretKey: Uint8Array): NodeEd25519Signer {
  if (secretKey.length !== 32) throw new RangeError("an Ed25519 secret key is 32 bytes");
  const privateKey = importSecret("Ed25519", secretKey);
  return {
    publicKey: Buffer.from(rawPublicKey(createPublicKey(privateKey))).toString("hex"),
    sign: (bytes) => new Uint8Array(signWith(null, bytes, privateKey)),
  };
}

/** Ed25519 public keys kept imported (a member directory's worth, 4,096); the oldest goes first. */
const verifyKeys = new BoundedMap<string, KeyObject>(4_096);

/** The imported public key of `publicKeyHex`, kept so a member's key is imported once. */
const ed25519PublicKey = (publicKeyHex: string): KeyObject => {
  let key = verifyKeys.peek(publicKeyHex);
  if (key === undefined) {
    key = importPublic("Ed25519", Buffer.from(publicKeyHex, "hex"));
    verifyKeys.set(publicKeyHex, key);
  }
  return key;
};

/**
 * Signatures that verified (the last 4,096), by key, signature and SHA-256 of the bytes: a
 * seed meets the same certificate again with every later change of its key, and hashing (about
 * 1 µs) is far cheaper than verifying again (about 70 µs). Only successes are kept: a valid
 * signature stays valid, and nothing a sender makes up can fill the cache without a valid
 * signature.
 */
const verified = new BoundedMap<string, true>(4_096);

/**
 * Verifies an Ed25519 signature with `node:crypto`; false, never a throw, on any bad input.
 * Public keys are imported once and kept (at most 4,096, oldest dropped first); so are the
 * last 4,096 signatures that verified.
 */
export function nodeVerifyEd25519(
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || signature.length !== 64) return false;
  const entry = `${publicKeyHex}${Buffer.from(signature).toString("base64")}${createHash("sha256").update(bytes).digest("base64")}`;
  if (verified.has(entry)) return true;
  try {
    const isValid = verifyWith(null, bytes, ed25519PublicKey(publicKeyHex), signature);
    if (isValid) verified.set(entry, true);
    return isValid;
  } catch {
    return false;
  }
}
