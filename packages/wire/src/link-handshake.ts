import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, concatBytes, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { isCanonicalAddress } from "./address.js";
import { BoundedMap } from "./bounded-map.js";
import { assertNever, P2pError, type WireErrorCode } from "./errors.js";
import { createTimeGuard, type Machine } from "./machine.js";
import { createNoiseXX, type NoiseCrypto, type NoiseKeyPair, type NoiseSession } from "./noise.js";

/**
 * The handshake that opens every p2p link: Noise XX (see {@link createNoiseXX}) whose second
 * and third messages carry each side's identity — its Ed25519 public key, its listening
 * address and its role — signed by that identity key over the side's Noise static key. So
 * each side proves it holds the identity key, binds it to this session (the static key is
 * proven by the Noise DH operations, which mix both sides' fresh ephemeral keys: no replay),
 * and names the address and role it speaks for. The responder's address is also the prologue,
 * so a responder that is not the one the initiator dialled fails message 2.
 *
 * Identity payload (messages 2 and 3), all lengths fixed or prefixed:
 *   identity key (32) ‖ signature (64) ‖ role (1: 1 seed, 2 peer, 3 client) ‖
 *   address length (u16 BE) ‖ address (UTF-8)
 * signed bytes: "p2p-link/v1 static-key" ‖ Noise static public key (32) ‖ role (1) ‖
 *   address length (u16 BE) ‖ address
 * prologue: "p2p-link/v1" ‖ address length (u16 BE) ‖ the responder's listening address
 */

/** Who may be on the other end of a link. */
export type LinkRole = "seed" | "peer" | "client";

/** Who the handshake proved the other end to be. */
export interface LinkIdentity {
  /** Its Ed25519 identity key, hex. */
  readonly identityKey: string;
  /** The listening address it speaks for. */
  readonly address: string;
  readonly role: LinkRole;
}

/** Configuration of {@link createLinkHandshake}. */
export interface LinkHandshakeConfig {
  readonly isInitiator: boolean;
  /** This side's listening address (a client without a listener: any canonical address). */
  readonly self: string;
  readonly role: LinkRole;
  /** The initiator: the address it dialled (the responder must prove it speaks for it). */
  readonly dialled?: string;
  /**
   * The initiator: the identity key the dialled address must prove (a pinned seed key, or the
   * key the directory holds for a peer). Without it the handshake proves only that the other
   * side holds *some* key and claims the address; deciding whether that key may speak for the
   * address is then the caller's check.
   */
  readonly expectedIdentityKey?: string;
  /** Fail the handshake when it has not finished this long after it started. */
  readonly timeoutMs?: number;
}

/** Keys and crypto the host injects (no secret in the config). */
export interface LinkHandshakeDependencies {
  /** This node's Ed25519 identity: its public key (hex) and a signing function. */
  readonly identity: { readonly publicKey: string; sign(bytes: Uint8Array): Uint8Array };
  /** Verifies an Ed25519 signature. */
  verify(publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array): boolean;
  /** This process's X25519 static key pair and a fresh ephemeral one (from the host's randomness). */
  readonly staticKey: NoiseKeyPair;
  readonly ephemeralKey: NoiseKeyPair;
  /** X25519 and ChaCha20-Poly1305 (default: `@noble`; a host may inject native ones). */
  readonly crypto?: NoiseCrypto;
}

/** Inputs of the link handshake. */
export type LinkHandshakeInput =
  /** Begin: the initiator writes message 1; the responder starts its timeout. */
  | { readonly type: "start"; readonly now: number }
  /** One whole handshake message from the other side. */
  | { readonly type: "receive"; readonly now: number; readonly message: Uint8Array }
  | { readonly type: "tick"; readonly now: number };

/** Outputs of the link handshake, to apply in order. */
export type LinkHandshakeOutput =
  | { readonly type: "send"; readonly message: Uint8Array }
  /** The other end is `peer`; `session` encrypts and authenticates every later frame. */
  | { readonly type: "established"; readonly peer: LinkIdentity; readonly session: NoiseSession }
  /** Close the connection and log `reason`; nothing it sent is acted on. */
  | { readonly type: "failed"; readonly reason: string };

/** A read-only view of the handshake. */
export interface LinkHandshakeView {
  readonly phase: "idle" | "running" | "established" | "failed";
  readonly peer: LinkIdentity | undefined;
}

/** One side of a link handshake, as a sans-IO machine. */
export type LinkHandshake = Machine<LinkHandshakeInput, LinkHandshakeOutput, LinkHandshakeView>;

const ROLE_BYTES: Readonly<Record<LinkRole, number>> = { seed: 1, peer: 2, client: 3 };
const ROLES: readonly (LinkRole | undefined)[] = [undefined, "seed", "peer", "client"];
const IDENTITY_KEY_BYTES = 32;
const SIGNATURE_BYTES = 64;
const MAX_ADDRESS_BYTES = 256;

/** Addresses are ASCII (canonical host:port); anything else is a malformed payload. */
const asciiToString = (bytes: Uint8Array): string | undefined =>
  bytes.every((byte) => byte < 0x80) ? String.fromCharCode(...bytes) : undefined;

/** `address` as u16 BE length ‖ UTF-8 bytes. */
function lengthPrefixed(address: string): Uint8Array {
  const bytes = utf8ToBytes(address);
  if (bytes.length > MAX_ADDRESS_BYTES) throw new RangeError("an address over 256 bytes");
  const out = new Uint8Array(2 + bytes.length);
  new DataView(out.buffer).setUint16(0, bytes.length);
  out.set(bytes, 2);
  return out;
}

/** The prologue both sides mix in: the responder's listening address. */
export function linkPrologue(responderAddress: string): Uint8Array {
  return concatBytes(utf8ToBytes("p2p-link/v1"), lengthPrefixed(responderAddress));
}

/** The bytes an identity key signs: this side's Noise static key, role and address. */
export function linkSigningBytes(staticKey: Uint8Array, role: LinkRole, address: string) {
  return concatBytes(
    utf8ToBytes("p2p-link/v1 static-key"),
    staticKey,
    Uint8Array.of(ROLE_BYTES[role]),
    lengthPrefixed(address),
  );
}

/**
 * Verifies an Ed25519 signature with `@noble/curves` (the default `verify` of the links);
 * false, never a throw, for any malformed key or signature.
 */
export function verifyIdentitySignature(
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  if (!/^[0-9a-f]{64}$/.test(publicKeyHex) || signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, bytes, hexToBytes(publicKeyHex));
  } catch {
    return false;
  }
}

/**
 * True for an identity key of small order (or not a point at all): for such keys a signature
 * can verify for any message, so they prove nothing.
 */
function isWeakKey(key: Uint8Array, keyHex: string): boolean {
  if (strongKeys.has(keyHex)) return false;
  let isWeak: boolean;
  try {
    isWeak = ed25519.Point.fromBytes(key).isSmallOrder();
  } catch {
    isWeak = true;
  }
  if (!isWeak) strongKeys.set(keyHex, true);
  return isWeak;
}

/**
 * Identity keys (hex) found not weak, the last 4,096: the check decompresses a
 * curve point (about 0.14 ms), and a node meets the same keys on every reconnection. Whether a
 * key is weak depends on its bytes alone, so remembering the answer changes no outcome.
 */
const strongKeys = new BoundedMap<string, true>(4_096);

/** Decodes an identity payload; undefined when it is malformed. */
function decodeIdentity(
  payload: Uint8Array,
): { identityKey: Uint8Array; signature: Uint8Array; role: LinkRole; address: string } | undefined {
  const fixed = IDENTITY_KEY_BYTES + SIGNATURE_BYTES + 1 + 2;
  if (payload.length < fixed) return undefined;
  const role = ROLES[payload[IDENTITY_KEY_BYTES + SIGNATURE_BYTES] ?? 0];
  const length = new DataView(payload.buffer, payload.byteOffset).getUint16(fixed - 2);
  if (role === undefined || length > MAX_ADDRESS_BYTES || payload.length !== fixed + length) {
    return undefined;
  }
  const address = asciiToString(payload.subarray(fixed));
  if (address === undefined) return undefined;
  return {
    identityKey: payload.slice(0, IDENTITY_KEY_BYTES),
    signature: payload.slice(IDENTITY_KEY_BYTES, IDENTITY_KEY_BYTES + SIGNATURE_BYTES),
    role,
    address,
  };
}

/**
 * Creates one side of a link handshake. The initiator writes message 1 on `start`; each side
 * answers the other's message; the side that reads the last message emits `established`.
 * Every problem — a bad message, a bad signature, an address that is not the dialled one, a
 * timeout — ends in one `failed` output, after which the machine ignores its inputs.
 */
export function createLinkHandshake(
  config: LinkHandshakeConfig,
  dependencies: LinkHandshakeDependencies,
): LinkHandshake {
  const { isInitiator, self, role } = config;
  const timeoutMs = config.timeoutMs ?? 5_000;
  if (isInitiator && config.dialled === undefined) {
    throw new P2pError<WireErrorCode>(
      "CONFIG_INVALID",
      "link handshake: an initiator needs `dialled`",
    );
  }
  if (!/^[0-9a-f]{64}$/.test(dependencies.identity.publicKey)) {
    throw new P2pError<WireErrorCode>(
      "CONFIG_INVALID",
      "link handshake: identity.publicKey must be 32 bytes as 64 lower-case hex digits",
    );
  }
  const responderAddress = isInitiator ? (config.dialled as string) : self;
  const noise = createNoiseXX({
    isInitiator,
    prologue: linkPrologue(responderAddress),
    staticKey: dependencies.staticKey,
    ephemeralKey: dependencies.ephemeralKey,
    ...(dependencies.crypto === undefined ? {} : { crypto: dependencies.crypto }),
  });
  const guardTime = createTimeGuard("link handshake");
  let phase: LinkHandshakeView["phase"] = "idle";
  let deadline: number | undefined;
  let peer: LinkIdentity | undefined;
  let received = 0;

  const ownPayload = (): Uint8Array => {
    const signature = dependencies.identity.sign(
      linkSigningBytes(dependencies.staticKey.publicKey, role, self),
    );
    return concatBytes(
      hexToBytes(dependencies.identity.publicKey),
      signature,
      Uint8Array.of(ROLE_BYTES[role]),
      lengthPrefixed(self),
    );
  };

  /** Checks the other side's identity payload against the static key Noise proved. */
  const checkPeer = (payload: Uint8Array): LinkIdentity | string => {
    const decoded = decodeIdentity(payload);
    if (decoded === undefined) return "a malformed identity payload";
    if (!isCanonicalAddress(decoded.address))
      return `an address that is not canonical (${decoded.address})`;
    if (isInitiator && decoded.address !== responderAddress) {
      return `the responder speaks for ${JSON.stringify(decoded.address)}, not the dialled ${responderAddress}`;
    }
    const remoteStatic = noise.remoteStaticKey();
    const identityKey = bytesToHex(decoded.identityKey);
    if (isWeakKey(decoded.identityKey, identityKey)) return "a weak identity key (small order)";
    if (identityKey === dependencies.identity.publicKey)
      return "the other side uses this node's own identity";
    if (config.expectedIdentityKey !== undefined && identityKey !== config.expectedIdentityKey) {
      return `${JSON.stringify(decoded.address)} answered with an identity key that is not the expected one`;
    }
    const signed = linkSigningBytes(
      remoteStatic ?? new Uint8Array(),
      decoded.role,
      decoded.address,
    );
    if (
      remoteStatic === undefined ||
      !dependencies.verify(identityKey, signed, decoded.signature)
    ) {
      return "the identity signature does not verify";
    }
    return { identityKey, address: decoded.address, role: decoded.role };
  };

  const fail = (reason: string): LinkHandshakeOutput[] => {
    phase = "failed";
    deadline = undefined;
    return [{ type: "failed", reason }];
  };

  const establish = (identity: LinkIdentity): LinkHandshakeOutput[] => {
    const session = noise.session();
    if (session === undefined) return fail("the session did not open");
    phase = "established";
    deadline = undefined;
    peer = identity;
    return [{ type: "established", peer: identity, session }];
  };

  const onMessage = (message: Uint8Array): LinkHandshakeOutput[] => {
    received += 1;
    const payload = noise.readMessage(message);
    if (!isInitiator && received === 1) {
      // Message 1 carries nothing to act on: answer with message 2 and this side's identity.
      if (payload.length > 0) return fail("message 1 carries a payload");
      return [{ type: "send", message: noise.writeMessage(ownPayload()) }];
    }
    const identity = checkPeer(payload);
    if (typeof identity === "string") return fail(identity);
    if (isInitiator) {
      const third = noise.writeMessage(ownPayload());
      return [{ type: "send", message: third }, ...establish(identity)];
    }
    return establish(identity);
  };

  return {
    step(input) {
      const now = guardTime(input.now);
      if (phase === "failed" || phase === "established") return [];
      switch (input.type) {
        case "start": {
          if (phase !== "idle") return [];
          phase = "running";
          deadline = now + timeoutMs;
          return isInitiator
            ? [{ type: "send", message: noise.writeMessage(new Uint8Array(0)) }]
            : [];
        }
        case "receive":
          if (phase === "idle") return fail("a message before the handshake started");
          if (deadline !== undefined && now >= deadline) {
            return fail(`no handshake within ${timeoutMs} ms`);
          }
          try {
            return onMessage(input.message);
          } catch (error) {
            return fail(P2pError.is(error) ? error.message : String(error));
          }
        case "tick":
          if (deadline !== undefined && now >= deadline) {
            return fail(`no handshake within ${timeoutMs} ms`);
          }
          return [];
        default:
          return assertNever(input, "link handshake input");
      }
    },
    nextDeadline: () => deadline,
    inspect: () => ({ phase, peer }),
  };
}
