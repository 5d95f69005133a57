import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { BoundedMap, type RandomSource, verifyIdentitySignature } from "@p2p/wire";
import type { Suspicion } from "./liveness-types.js";
import type { DeadEvidence, SignedVote } from "./messages.js";

/** The version tag at the start of every signed vote; changing the layout changes the tag. */
export const VOTE_SIGNING_VERSION = "p2p-liveness-vote/v2";

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
      vote.round,
      vote.verdict,
      vote.issuedAtMs,
    ].join("\n"),
  );
}

/**
 * Signs bytes with this node's Ed25519 identity key and returns the 64-byte signature. Hosts
 * inject it; the key itself never enters a machine's config or view.
 */
export type Sign = (bytes: Uint8Array) => Uint8Array;

/** This node's identity as the machines see it: its public key and a way to sign. */
export interface Signer {
  /** Ed25519 public key, 32 bytes as hex. */
  readonly publicKey: string;
  readonly sign: Sign;
}

/** A fresh vote round id: 16 hex digits drawn from `random` (the suspecting peer's source). */
export function newRoundId(random: RandomSource): string {
  const half = () =>
    Math.floor(random.next() * 0x1_0000_0000)
      .toString(16)
      .padStart(8, "0");
  return half() + half();
}

/** Signs a vote with the injected `sign`. */
export function signVote(vote: UnsignedVote, sign: Sign): SignedVote {
  return { ...vote, signature: bytesToHex(sign(voteSigningBytes(vote))) };
}

/** The evidence `reporter` sends about `suspect`: its suspicion's round and votes, by voter. */
export function evidenceOf(
  reporter: string,
  suspect: string,
  suspicion: Suspicion,
  insufficientNeighbours: boolean,
): DeadEvidence {
  const voters = [...suspicion.deadVotes.keys()].sort();
  return {
    suspect,
    incarnation: suspicion.incarnation,
    round: suspicion.round,
    reporter,
    votes: voters.map((voter) => suspicion.deadVotes.get(voter) as SignedVote),
    insufficientNeighbours,
  };
}

/**
 * A {@link Signer} over an Ed25519 secret key (32 bytes, hex). The key stays inside the
 * returned closure: it is in no config object and no view.
 */
export function createEd25519Signer(secretKeyHex: string): Signer {
  if (!/^[0-9a-f]{64}$/.test(secretKeyHex)) {
    throw new RangeError("createEd25519Signer: the secret key must be 64 lower-case hex digits");
  }
  const secretKey = hexToBytes(secretKeyHex);
  return {
    publicKey: bytesToHex(ed25519.getPublicKey(secretKey)),
    sign: (bytes) => ed25519.sign(bytes, secretKey),
  };
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
  const entries = new BoundedMap<string, true>(maxEntries);
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
 * Checks an Ed25519 signature: true when `signature` signs `bytes` under `publicKeyHex` (hex).
 * The default is `@noble/curves` (any JavaScript runtime); a Node host passes node:crypto's
 * (`nodeVerifyEd25519` of `@p2p/wire/node-crypto`), about 13 times faster.
 */
export type VerifySignature = (
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
) => boolean;

/**
 * True when `vote.signature` is a valid Ed25519 signature of the vote by `publicKeyHex`,
 * checked with `verify`. Malformed keys or signatures are simply invalid (false), never an
 * exception.
 */
export function verifyVote(
  vote: SignedVote,
  publicKeyHex: string,
  cache?: SignatureCache,
  verify: VerifySignature = verifyIdentitySignature,
): boolean {
  const bytes = voteSigningBytes(vote);
  const key = cache === undefined ? "" : `${publicKeyHex}|${vote.signature}|${bytesToHex(bytes)}`;
  if (cache?.has(key)) return true;
  let valid = false;
  try {
    valid = verify(publicKeyHex, bytes, hexToBytes(vote.signature));
  } catch {
    valid = false;
  }
  if (valid) cache?.add(key);
  return valid;
}
