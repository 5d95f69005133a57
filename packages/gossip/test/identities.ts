import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { messageId } from "../src/message-id.js";
import type { GossipMessage } from "../src/messages.js";
import { gossipSigningBytes } from "../src/signing.js";

/** One test identity: a real Ed25519 key pair derived from the address (deterministic). */
export interface TestIdentity {
  readonly secretKey: Uint8Array;
  readonly publicKey: Uint8Array;
}

/** Options of {@link createIdentities}. */
export interface IdentitiesOptions {
  /**
   * Remember each (origin, bytes, signature) → result, so a simulation where every peer
   * verifies the same message runs one real Ed25519 verification per message instead of one
   * per peer. Exact (the whole triple is the key); each machine still calls `verifyOrigin`.
   * Signatures are remembered too (Ed25519 signing is deterministic, so this is exact as well).
   */
  readonly memoize?: boolean;
}

/**
 * A registry of test identities, standing in for the host's directory of registered public
 * keys: real Ed25519 keys (noble), derived from sha256 of the address so runs are deterministic.
 * `verifyOrigin` returns false for an address that was never registered.
 */
export function createIdentities(options: IdentitiesOptions = {}) {
  const identities = new Map<string, TestIdentity>();
  const memo = new Map<string, boolean>();
  const signatures = new Map<string, Uint8Array>();
  let verifyCalls = 0;

  /** Registers `address` (idempotent) and returns its key pair. */
  const register = (address: string): TestIdentity => {
    let identity = identities.get(address);
    if (identity === undefined) {
      const secretKey = sha256(utf8ToBytes(`p2p gossip test identity ${address}`));
      identity = { secretKey, publicKey: ed25519.getPublicKey(secretKey) };
      identities.set(address, identity);
    }
    return identity;
  };

  /** The `sign` dependency of the machine whose `self` is `address` (registers it). */
  const signerFor = (address: string) => {
    const { secretKey } = register(address);
    if (options.memoize !== true)
      return (bytes: Uint8Array): Uint8Array => ed25519.sign(bytes, secretKey);
    return (bytes: Uint8Array): Uint8Array => {
      const key = `${address}|${bytesToHex(bytes)}`;
      let signature = signatures.get(key);
      if (signature === undefined) {
        signature = ed25519.sign(bytes, secretKey);
        signatures.set(key, signature);
      }
      return signature;
    };
  };

  /** The `verifyOrigin` dependency: the origin's registered key, false when unknown. */
  const verifyOrigin = (origin: string, bytes: Uint8Array, signature: Uint8Array): boolean => {
    verifyCalls++;
    const identity = identities.get(origin);
    if (identity === undefined) return false;
    if (options.memoize !== true) return ed25519.verify(signature, bytes, identity.publicKey);
    const key = `${origin}|${bytesToHex(signature)}|${bytesToHex(bytes)}`;
    let valid = memo.get(key);
    if (valid === undefined) {
      valid = ed25519.verify(signature, bytes, identity.publicKey);
      memo.set(key, valid);
    }
    return valid;
  };

  /**
   * A message as `origin` would publish it: id from origin and payload, signed with the key
   * of `signedBy` (the origin itself unless a forger is named).
   */
  const message = (
    origin: string,
    payload: Uint8Array | string,
    { hops = 0, signedBy = origin }: { hops?: number; signedBy?: string } = {},
  ): GossipMessage => {
    const bytes = typeof payload === "string" ? utf8ToBytes(payload) : payload;
    const signature = bytesToHex(signerFor(signedBy)(gossipSigningBytes(origin, bytes)));
    return {
      type: "gossip.message",
      id: messageId(origin, bytes),
      origin,
      payload: bytes,
      hops,
      signature,
    };
  };

  return {
    register,
    signerFor,
    verifyOrigin,
    message,
    /** How many times `verifyOrigin` was called (memoized or not). */
    get verifyCalls() {
      return verifyCalls;
    },
  };
}

/** The identities registry of {@link createIdentities}. */
export type Identities = ReturnType<typeof createIdentities>;
