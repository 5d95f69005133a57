import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { LRUCache } from "lru-cache";
import type { SignedVote } from "./messages.js";

/** The version tag at the start of every signed vote; changing the layout changes the tag. */
export const VOTE_SIGNING_VERSION = "p2p-liveness-vote/v1";

/** The fields of a vote, before signing. */
export type UnsignedVote = Omit<SignedVote, "signature">;

/**
 * The canonical byte string a vote is signed over: the version tag and each field on its own
 * line, in a fixed order (addresses cannot contain a newline).
 */
export function voteSigningBytes(vote: UnsignedVote): Uint8Array {
  return utf8ToBytes(
    [
      VOTE_SIGNING_VERSION,
      vote.voter,
      vote.suspect,
      vote.incarnation,
      vote.verdict,
      vote.issuedAtMs,
    ].join("\n"),
  );
}

/** Signs a vote with an Ed25519 secret key (32 bytes, hex). */
export function signVote(vote: UnsignedVote, secretKeyHex: string): SignedVote {
  const signature = ed25519.sign(voteSigningBytes(vote), hexToBytes(secretKeyHex));
  return { ...vote, signature: bytesToHex(signature) };
}

/** The Ed25519 public key (hex) of a secret key (hex): what the seeds store in the member record. */
export function publicKeyOf(secretKeyHex: string): string {
  return bytesToHex(ed25519.getPublicKey(hexToBytes(secretKeyHex)));
}

/**
 * Makes a key pair from 32 bytes of entropy supplied by the host (e.g. crypto.getRandomValues);
 * the library never reads randomness itself.
 */
export function keyPairFromSeed(seed: Uint8Array): { secretKey: string; publicKey: string } {
  if (seed.length !== 32)
    throw new RangeError(`keyPairFromSeed: need 32 bytes, got ${seed.length}`);
  const secretKey = bytesToHex(seed);
  return { secretKey, publicKey: publicKeyOf(secretKey) };
}

/** A bounded memo of signature checks that passed (verifying is the expensive part). */
export interface SignatureCache {
  has(key: string): boolean;
  add(key: string): void;
  readonly size: number;
}

/**
 * A bounded {@link SignatureCache} holding at most `maxEntries` verified signatures; the oldest
 * entry goes first (neither a lookup nor a repeated add refreshes an entry).
 */
export function createSignatureCache(maxEntries = 10_000): SignatureCache {
  const entries = new LRUCache<string, true>({ max: maxEntries });
  return {
    has: (key) => entries.has(key),
    add(key) {
      if (!entries.has(key)) entries.set(key, true);
    },
    get size() {
      return entries.size;
    },
  };
}

/**
 * True when `vote.signature` is a valid Ed25519 signature of the vote by `publicKeyHex`.
 * Malformed keys or signatures are simply invalid (false), never an exception.
 */
export function verifyVote(
  vote: SignedVote,
  publicKeyHex: string,
  cache?: SignatureCache,
): boolean {
  const bytes = voteSigningBytes(vote);
  const key = cache === undefined ? "" : `${publicKeyHex}|${vote.signature}|${bytesToHex(bytes)}`;
  if (cache?.has(key)) return true;
  let valid = false;
  try {
    valid = ed25519.verify(hexToBytes(vote.signature), bytes, hexToBytes(publicKeyHex));
  } catch {
    valid = false;
  }
  if (valid) cache?.add(key);
  return valid;
}
