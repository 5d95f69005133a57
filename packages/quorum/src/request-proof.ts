import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import type { RequestProof } from "./messages.js";

/** A request before it is signed. */
export type UnsignedRequest = Omit<RequestProof, "signature">;

/** Verifies an Ed25519 signature (injected: quorum does no cryptography of its own). */
export type VerifySignature = (
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
) => boolean;

/**
 * Bytes of a signature's hex, or undefined when it is not hex: a signature that is not hex
 * verifies as false, never throws (the message schemas let only hex through anyway).
 */
export function signatureBytes(hex: string): Uint8Array | undefined {
  try {
    return hexToBytes(hex);
  } catch {
    return undefined;
  }
}

/**
 * The bytes a peer signs for a request: `p2p-request/v1`, a newline, and the JSON array
 * `[kind, address, publicKey, incarnation, neighbours, requestId]` (UTF-8).
 */
export function requestSigningBytes(request: UnsignedRequest): Uint8Array {
  const fields = [
    request.kind,
    request.address,
    request.publicKey,
    request.incarnation,
    request.neighbours,
    request.requestId,
  ];
  return utf8ToBytes(`p2p-request/v1\n${JSON.stringify(fields)}`);
}

/** Signs a request with the peer's identity key (`sign` returns the 64-byte signature). */
export function signRequest(
  request: UnsignedRequest,
  sign: (bytes: Uint8Array) => Uint8Array,
): RequestProof {
  return { ...request, signature: bytesToHex(sign(requestSigningBytes(request))) };
}

/**
 * For a peer at `address`: a function that returns `{ proof }`, a request signed with its
 * identity key, when it has a key and a signer, and `{}` otherwise.
 */
export function requestSigner(
  address: string,
  publicKey: string | undefined,
  sign: ((bytes: Uint8Array) => Uint8Array) | undefined,
): (request: Pick<UnsignedRequest, "kind" | "requestId" | "incarnation" | "neighbours">) => {
  proof?: RequestProof;
} {
  return (request) =>
    publicKey === undefined || sign === undefined
      ? {}
      : { proof: signRequest({ ...request, address, publicKey }, sign) };
}

/** True when `proof` is signed by the key it names. */
export function isRequestSigned(proof: RequestProof, verify: VerifySignature): boolean {
  const { signature, ...request } = proof;
  const bytes = signatureBytes(signature);
  return bytes !== undefined && verify(proof.publicKey, requestSigningBytes(request), bytes);
}
