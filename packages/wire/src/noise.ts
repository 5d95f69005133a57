import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { x25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { concatBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { P2pError, type WireErrorCode } from "./errors.js";

/**
 * The Noise protocol framework's XX pattern with the suite 25519 / ChaChaPoly / SHA256
 * (`Noise_XX_25519_ChaChaPoly_SHA256`), exactly as the Noise specification (revision 34, §5)
 * defines it, on audited primitives (`@noble/curves`, `@noble/ciphers`, `@noble/hashes`).
 * It is checked against the published test vectors. Sans-IO: the caller passes every
 * ephemeral and static secret in (no randomness is read here) and moves the bytes.
 *
 *   XX:  -> e
 *        <- e, ee, s, es
 *        -> s, se
 */
export const NOISE_PROTOCOL_NAME = "Noise_XX_25519_ChaChaPoly_SHA256";

/** Bytes of an X25519 key and of a SHA-256 hash. */
const KEY_BYTES = 32;
/** Bytes of a ChaCha20-Poly1305 authentication tag. */
export const NOISE_TAG_BYTES = 16;
/** The largest Noise message (handshake or transport), tag included. */
export const NOISE_MAX_MESSAGE_BYTES = 65_535;
/** The last nonce value is reserved (§5.1): a cipher state refuses to go past it. */
const MAX_NONCE = 2n ** 64n - 1n;

const empty = new Uint8Array(0);

/** HKDF with two outputs, as §4.3 defines it on HMAC-SHA256. */
function hkdf(chainingKey: Uint8Array, input: Uint8Array): [Uint8Array, Uint8Array] {
  const temporary = hmac(sha256, chainingKey, input);
  const first = hmac(sha256, temporary, Uint8Array.of(1));
  const second = hmac(sha256, temporary, concatBytes(first, Uint8Array.of(2)));
  return [first, second];
}

const failure = (message: string) =>
  new P2pError<WireErrorCode>("HANDSHAKE_FAILED", `noise: ${message}`);

/**
 * The primitives of the suite: X25519 and ChaCha20-Poly1305 (SHA-256 and HKDF stay on
 * `@noble/hashes`, they are cheap). {@link nobleNoiseCrypto} is the portable default; a host
 * may pass faster native ones (`nodeNoiseCrypto` of `@p2p/wire/node-crypto`). Both must
 * reproduce the test vectors.
 */
export interface NoiseCrypto {
  /** The X25519 public key of a 32-byte secret (clamped as RFC 7748 says). */
  x25519PublicKey(secretKey: Uint8Array): Uint8Array;
  /** The X25519 shared secret; throws for a public key of small order (an all-zero result). */
  x25519(secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 (RFC 8439) seal: ciphertext ‖ 16-byte tag. */
  seal(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, plaintext: Uint8Array): Uint8Array;
  /** ChaCha20-Poly1305 open; throws when the tag does not verify. */
  open(key: Uint8Array, nonce: Uint8Array, ad: Uint8Array, sealed: Uint8Array): Uint8Array;
}

/** The suite's primitives on the audited, portable `@noble` libraries (any JavaScript runtime). */
export const nobleNoiseCrypto: NoiseCrypto = {
  x25519PublicKey: (secretKey) => x25519.getPublicKey(secretKey),
  x25519: (secretKey, publicKey) => x25519.getSharedSecret(secretKey, publicKey),
  seal: (key, nonce, ad, plaintext) => chacha20poly1305(key, nonce, ad).encrypt(plaintext),
  open: (key, nonce, ad, sealed) => chacha20poly1305(key, nonce, ad).decrypt(sealed),
};

/** A Noise cipher state (§5.1): one key and a counting nonce for one direction. */
export interface NoiseCipher {
  /** Encrypts `plaintext` with associated data `ad` (empty for transport messages). */
  encrypt(plaintext: Uint8Array, ad?: Uint8Array): Uint8Array;
  /** Decrypts; throws `HANDSHAKE_FAILED` when the tag does not verify (close the link). */
  decrypt(ciphertext: Uint8Array, ad?: Uint8Array): Uint8Array;
  /** Messages this cipher has sealed or opened. */
  readonly nonce: bigint;
}

function createCipher(key: Uint8Array | undefined, crypto: NoiseCrypto): NoiseCipher {
  let nonce = 0n;
  const nonceBytes = (): Uint8Array => {
    if (nonce >= MAX_NONCE) throw failure("the nonce is exhausted; start a new session");
    const bytes = new Uint8Array(12);
    new DataView(bytes.buffer).setBigUint64(4, nonce, true);
    return bytes;
  };
  return {
    encrypt(plaintext, ad = empty) {
      if (key === undefined) return plaintext;
      if (plaintext.length + NOISE_TAG_BYTES > NOISE_MAX_MESSAGE_BYTES) {
        throw failure("a message over 65535 bytes (split it)");
      }
      const sealed = crypto.seal(key, nonceBytes(), ad, plaintext);
      nonce += 1n;
      return sealed;
    },
    decrypt(ciphertext, ad = empty) {
      if (key === undefined) return ciphertext;
      if (ciphertext.length < NOISE_TAG_BYTES) throw failure("a message shorter than its tag");
      if (ciphertext.length > NOISE_MAX_MESSAGE_BYTES) throw failure("a message over 65535 bytes");
      let opened: Uint8Array;
      try {
        opened = crypto.open(key, nonceBytes(), ad, ciphertext);
      } catch {
        // The nonce stays where it was (§5.1): a forged message does not desynchronise.
        throw failure("a message failed authentication");
      }
      nonce += 1n;
      return opened;
    },
    get nonce() {
      return nonce;
    },
  };
}

/** An X25519 key pair; `secretKey` comes from the caller's random source. */
export interface NoiseKeyPair {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** The X25519 key pair of 32 random bytes. */
export function noiseKeyPair(
  secretKey: Uint8Array,
  crypto: NoiseCrypto = nobleNoiseCrypto,
): NoiseKeyPair {
  if (secretKey.length !== KEY_BYTES) throw new RangeError("an X25519 secret key is 32 bytes");
  return { secretKey, publicKey: crypto.x25519PublicKey(secretKey) };
}

/** The two transport ciphers of an established session. */
export interface NoiseSession {
  /** Encrypts what this side sends. */
  readonly send: NoiseCipher;
  /** Decrypts what this side receives. */
  readonly receive: NoiseCipher;
  /** The handshake hash: unique to this session, for channel binding. */
  readonly handshakeHash: Uint8Array;
  /** The other side's static X25519 public key, proven by the handshake. */
  readonly remoteStaticKey: Uint8Array;
}

/** One side of a Noise XX handshake. */
export interface NoiseXX {
  readonly isInitiator: boolean;
  /** Writes the next handshake message of this side, carrying `payload`. */
  writeMessage(payload: Uint8Array): Uint8Array;
  /** Reads the other side's next handshake message and returns its payload. */
  readMessage(message: Uint8Array): Uint8Array;
  /** The other side's static key once message 2 (initiator) or 3 (responder) was read. */
  remoteStaticKey(): Uint8Array | undefined;
  /** The current handshake hash (§5.2 `h`). */
  handshakeHash(): Uint8Array;
  /** The session, once all three messages have passed; undefined before. */
  session(): NoiseSession | undefined;
}

/** Options of {@link createNoiseXX}. */
export interface NoiseXXOptions {
  readonly isInitiator: boolean;
  /** Bytes both sides must agree on (mixed into the hash first; a mismatch fails message 2). */
  readonly prologue: Uint8Array;
  /** This side's long-lived (per process) static X25519 key pair. */
  readonly staticKey: NoiseKeyPair;
  /** A fresh ephemeral X25519 key pair for this handshake only. */
  readonly ephemeralKey: NoiseKeyPair;
  /** The primitives (default {@link nobleNoiseCrypto}). */
  readonly crypto?: NoiseCrypto;
}

/**
 * Creates one side of a Noise XX handshake. Messages go in order: the initiator writes 1,
 * reads 2, writes 3; the responder reads 1, writes 2, reads 3. Any failure (a bad tag, a
 * wrong length, a message out of turn) throws `HANDSHAKE_FAILED`; the handshake cannot go on.
 */
export function createNoiseXX(options: NoiseXXOptions): NoiseXX {
  const { isInitiator, staticKey, ephemeralKey } = options;
  const crypto = options.crypto ?? nobleNoiseCrypto;
  const name = utf8ToBytes(NOISE_PROTOCOL_NAME);
  let hash: Uint8Array = new Uint8Array(KEY_BYTES);
  hash.set(name); // exactly 32 bytes: used as is, padded with zeros (§5.2)
  let chainingKey = hash;
  let cipher = createCipher(undefined, crypto);
  let remoteEphemeral: Uint8Array | undefined;
  let remoteStatic: Uint8Array | undefined;
  let step = 0; // messages 0, 1, 2 done so far
  let isBroken = false;
  let established: NoiseSession | undefined;

  const mixHash = (data: Uint8Array): void => {
    hash = sha256(concatBytes(hash, data));
  };
  const mixKey = (input: Uint8Array): void => {
    const [nextChainingKey, key] = hkdf(chainingKey, input);
    chainingKey = nextChainingKey;
    cipher = createCipher(key, crypto);
  };
  const encryptAndHash = (plaintext: Uint8Array): Uint8Array => {
    const ciphertext = cipher.encrypt(plaintext, hash);
    mixHash(ciphertext);
    return ciphertext;
  };
  const decryptAndHash = (ciphertext: Uint8Array): Uint8Array => {
    const plaintext = cipher.decrypt(ciphertext, hash);
    mixHash(ciphertext);
    return plaintext;
  };
  const dh = (secretKey: Uint8Array, publicKey: Uint8Array): Uint8Array => {
    try {
      return crypto.x25519(secretKey, publicKey);
    } catch {
      throw failure("a public key that gives no shared secret");
    }
  };
  const split = (): void => {
    const [first, second] = hkdf(chainingKey, empty);
    const initiatorToResponder = createCipher(first, crypto);
    const responderToInitiator = createCipher(second, crypto);
    established = {
      send: isInitiator ? initiatorToResponder : responderToInitiator,
      receive: isInitiator ? responderToInitiator : initiatorToResponder,
      handshakeHash: hash.slice(),
      remoteStaticKey: remoteStatic as Uint8Array,
    };
  };
  /** Runs one message; any throw leaves the handshake unusable. */
  const guarded = <T>(run: () => T): T => {
    if (isBroken) throw failure("the handshake already failed");
    try {
      return run();
    } catch (error) {
      isBroken = true;
      throw P2pError.is(error) ? error : failure(String(error));
    }
  };
  const take = (message: Uint8Array, offset: number, length: number): Uint8Array => {
    if (message.length < offset + length) throw failure("a handshake message is too short");
    return message.subarray(offset, offset + length);
  };

  mixHash(options.prologue);

  return {
    isInitiator,
    writeMessage(payload) {
      return guarded(() => {
        const isMyTurn = isInitiator ? step === 0 || step === 2 : step === 1;
        if (!isMyTurn) throw failure(`message ${step + 1} is not this side's to write`);
        let message: Uint8Array;
        if (step === 0) {
          // -> e
          mixHash(ephemeralKey.publicKey);
          message = concatBytes(ephemeralKey.publicKey, encryptAndHash(payload));
        } else if (step === 1) {
          // <- e, ee, s, es
          const peerEphemeral = remoteEphemeral as Uint8Array;
          mixHash(ephemeralKey.publicKey);
          mixKey(dh(ephemeralKey.secretKey, peerEphemeral));
          const encryptedStatic = encryptAndHash(staticKey.publicKey);
          mixKey(dh(staticKey.secretKey, peerEphemeral));
          message = concatBytes(ephemeralKey.publicKey, encryptedStatic, encryptAndHash(payload));
        } else {
          // -> s, se
          const encryptedStatic = encryptAndHash(staticKey.publicKey);
          mixKey(dh(staticKey.secretKey, remoteEphemeral as Uint8Array));
          message = concatBytes(encryptedStatic, encryptAndHash(payload));
        }
        if (message.length > NOISE_MAX_MESSAGE_BYTES) throw failure("the payload is too large");
        step += 1;
        if (step === 3) split();
        return message;
      });
    },
    readMessage(message) {
      return guarded(() => {
        const isTheirTurn = isInitiator ? step === 1 : step === 0 || step === 2;
        if (!isTheirTurn) throw failure(`message ${step + 1} is not the other side's to send`);
        if (message.length > NOISE_MAX_MESSAGE_BYTES) throw failure("a message over 65535 bytes");
        let payload: Uint8Array;
        if (step === 0) {
          // -> e
          remoteEphemeral = Uint8Array.from(take(message, 0, KEY_BYTES));
          mixHash(remoteEphemeral);
          payload = decryptAndHash(message.subarray(KEY_BYTES));
        } else if (step === 1) {
          // <- e, ee, s, es
          remoteEphemeral = Uint8Array.from(take(message, 0, KEY_BYTES));
          mixHash(remoteEphemeral);
          mixKey(dh(ephemeralKey.secretKey, remoteEphemeral));
          const encryptedStatic = take(message, KEY_BYTES, KEY_BYTES + NOISE_TAG_BYTES);
          const proven = decryptAndHash(encryptedStatic);
          mixKey(dh(ephemeralKey.secretKey, proven));
          payload = decryptAndHash(message.subarray(KEY_BYTES * 2 + NOISE_TAG_BYTES));
          remoteStatic = proven;
        } else {
          // -> s, se
          const encryptedStatic = take(message, 0, KEY_BYTES + NOISE_TAG_BYTES);
          const proven = decryptAndHash(encryptedStatic);
          mixKey(dh(ephemeralKey.secretKey, proven));
          payload = decryptAndHash(message.subarray(KEY_BYTES + NOISE_TAG_BYTES));
          remoteStatic = proven;
        }
        step += 1;
        if (step === 3) split();
        return payload;
      });
    },
    remoteStaticKey: () =>
      isBroken || remoteStatic === undefined ? undefined : remoteStatic.slice(),
    handshakeHash: () => hash.slice(),
    session: () => (isBroken ? undefined : established),
  };
}
