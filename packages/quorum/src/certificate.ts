import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { type Ballot, compareBallots } from "./ballot.js";
import type { Attestation, MemberRecord } from "./messages.js";
import type { VerifySignature } from "./request-proof.js";
import { signatureBytes } from "./request-proof.js";

/**
 * Commit certificates. An acceptor that accepts `value` for `key` at `ballot` signs
 * {@link acceptanceSigningBytes} with its seed key (an attestation). Attestations of a quorum
 * of distinct seeds over the same bytes prove the value was committed: at least one honest
 * seed validated the transition that produced it. A value carried with a certificate is
 * accepted again later by any acceptor (catch-up, compaction, reads) without re-checking
 * evidence that may have expired, or that compaction dropped.
 */
export interface Certifier {
  /** The seed whose attestations this certifier makes. */
  readonly seedId: string;
  /** True when seeds sign and check certificates (every seed has a key, signing is given). */
  readonly isSigning: boolean;
  /** This seed's attestation of accepting `value` at `ballot`, or undefined when not signing. */
  attest(key: string, ballot: Ballot, value: MemberRecord | null): Attestation | undefined;
  /**
   * True when `attestations` prove `value` was committed at `ballot`: a quorum of distinct
   * configured seeds signed it. Without signing: true when nothing is verified at all (the
   * proposing seed's word is trusted), false when peers' proofs are checked.
   */
  proves(
    key: string,
    ballot: Ballot,
    value: MemberRecord | null,
    attestations: readonly Attestation[] | undefined,
    /** Attestations already known valid (this seed's own store): counted without a check. */
    known?: readonly Attestation[],
  ): boolean;
}

/** What a certifier needs: the seed set, the quorum size, and (to sign) keys and functions. */
export interface CertifierOptions {
  readonly seedId: string;
  readonly seeds: readonly string[];
  readonly quorumSize: number;
  /** Signs with this seed's identity key (Ed25519). */
  readonly sign?: ((bytes: Uint8Array) => Uint8Array) | undefined;
  /** Every seed's public key (hex), by seed id. */
  readonly seedKeys?: ReadonlyMap<string, string> | undefined;
  readonly verify?: VerifySignature | undefined;
}

/** Creates a {@link Certifier}; it signs only when `sign`, `verify` and every seed's key are given. */
export function createCertifier(options: CertifierOptions): Certifier {
  const { sign, seedKeys, verify } = options;
  const hasEveryKey = seedKeys !== undefined && options.seeds.every((seed) => seedKeys.has(seed));
  if (!hasEveryKey || sign === undefined || verify === undefined) {
    // Without certificates, a base is taken on the proposer's word only where every seed's
    // word is trusted anyway (no signature checks at all); with peers' proofs checked but no
    // certificates, nothing proves a base and each acceptor checks from its own value.
    const isTrusted = verify === undefined;
    return {
      seedId: options.seedId,
      isSigning: false,
      attest: () => undefined,
      proves: () => isTrusted,
    };
  }
  return {
    seedId: options.seedId,
    isSigning: true,
    attest: (key, ballot, value) => ({
      seed: options.seedId,
      signature: bytesToHex(sign(acceptanceSigningBytes(key, ballot, value))),
    }),
    proves(key, ballot, value, attestations, known = []) {
      if (attestations === undefined || attestations.length < options.quorumSize) return false;
      let bytes: Uint8Array | undefined;
      const signers = new Set<string>();
      for (const { seed, signature } of attestations) {
        const publicKey = seedKeys.get(seed);
        if (publicKey === undefined || signers.has(seed)) continue;
        if (!known.some((each) => each.seed === seed && each.signature === signature)) {
          bytes ??= acceptanceSigningBytes(key, ballot, value);
          const signed = signatureBytes(signature);
          if (signed === undefined || !verify(publicKey, bytes, signed)) continue;
        }
        signers.add(seed);
        if (signers.size >= options.quorumSize) return true;
      }
      return false;
    },
  };
}

/**
 * The bytes an acceptor signs: `p2p-accepted/v1`, a newline, the JSON array
 * `[key, ballot.counter, ballot.proposer]`, a newline, and the value in canonical JSON
 * (object keys sorted, byte arrays as `{"$hex": …}`, `null` for an absent value).
 */
export function acceptanceSigningBytes(
  key: string,
  ballot: Ballot,
  value: MemberRecord | null,
): Uint8Array {
  const head = JSON.stringify([key, ballot.counter, ballot.proposer]);
  return utf8ToBytes(`p2p-accepted/v1\n${head}\n${canonicalJson(value)}`);
}

/** JSON with object keys sorted at every level (the same value always gives the same text). */
export function canonicalJson(value: unknown): string {
  if (value instanceof Uint8Array) return `{"$hex":"${bytesToHex(value)}"}`;
  if (Array.isArray(value)) {
    let text = "[";
    for (let index = 0; index < value.length; index++) {
      text += `${index === 0 ? "" : ","}${canonicalJson(value[index])}`;
    }
    return `${text}]`;
  }
  if (typeof value === "object" && value !== null) {
    const fields = value as Record<string, unknown>;
    let text = "{";
    // Sorted by UTF-16 code units, as `<` compares strings.
    for (const name of Object.keys(fields).sort()) {
      const field = fields[name];
      if (field === undefined) continue;
      text += `${text === "{" ? "" : ","}${JSON.stringify(name)}:${canonicalJson(field)}`;
    }
    return `${text}}`;
  }
  return JSON.stringify(value) ?? "null";
}

/** True when two accepted values are the same: same ballot and the same canonical value. */
export function isSameAccepted(
  a: { readonly ballot: Ballot; readonly value: MemberRecord | null },
  b: { readonly ballot: Ballot; readonly value: MemberRecord | null },
): boolean {
  return compareBallots(a.ballot, b.ballot) === 0 && isSameJson(a.value, b.value);
}

/**
 * True when `canonicalJson(a) === canonicalJson(b)`, found without writing either out: acceptors
 * compare a learned value with their own on every learn.
 */
export function isSameJson(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  const isObject = (value: unknown): value is object => typeof value === "object" && value !== null;
  if (!isObject(a) || !isObject(b) || a instanceof Uint8Array || b instanceof Uint8Array) {
    return canonicalJson(a) === canonicalJson(b);
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, index) => isSameJson(item, b[index]));
  }
  const fieldsA = a as Record<string, unknown>;
  const fieldsB = b as Record<string, unknown>;
  const names = Object.keys(fieldsA).filter((name) => fieldsA[name] !== undefined);
  const namesB = Object.keys(fieldsB).filter((name) => fieldsB[name] !== undefined);
  return (
    names.length === namesB.length &&
    names.every((name) => Object.hasOwn(fieldsB, name) && isSameJson(fieldsA[name], fieldsB[name]))
  );
}

/** The union of attestation lists, one per seed (the first kept), at most `limit`. */
export function mergeAttestations(
  lists: readonly (readonly Attestation[] | undefined)[],
  limit: number,
): Attestation[] {
  const bySeed = new Map<string, Attestation>();
  for (const list of lists) {
    for (const attestation of list ?? []) {
      if (!bySeed.has(attestation.seed) && bySeed.size < limit) {
        bySeed.set(attestation.seed, attestation);
      }
    }
  }
  return [...bySeed.values()];
}
