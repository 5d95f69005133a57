import type { RequestProof } from "./messages.js";

/** A request before it is signed. */
export type UnsignedRequest = Omit<RequestProof, "signature">;

/** Verifies an Ed25519 signature (injected: quorum does no cryptography of its own). */
export type VerifySignature = (
  publicKeyHex: string,
  bytes: Uint8Array,
  signature: Uint8Array,
) => boolean;

/** Bytes of a hex string (even length, 0-9a-f). */
export const hexToBytes = (hex: string): Uint8Array =>
  Uint8Array.from({ length: hex.length / 2 }, (_, index) =>
    Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16),
  );
/** Lower-case hex of `bytes`. */
export const bytesToHex = (bytes: Uint8Array): string =>
  Array.from(bytes, (byte) => byte.toString(16).padStart(2, "0")).join("");

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
  return utf8(`p2p-request/v1\n${JSON.stringify(fields)}`);
}

/** UTF-8 bytes of `text` (the protocol packages run with no platform text API). */
export function utf8(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const character of text) {
    const point = character.codePointAt(0) ?? 0;
    if (point < 0x80) bytes.push(point);
    else if (point < 0x800) bytes.push(0xc0 | (point >> 6), 0x80 | (point & 0x3f));
    else if (point < 0x10000) {
      bytes.push(0xe0 | (point >> 12), 0x80 | ((point >> 6) & 0x3f), 0x80 | (point & 0x3f));
    } else {
      bytes.push(
        0xf0 | (point >> 18),
        0x80 | ((point >> 12) & 0x3f),
        0x80 | ((point >> 6) & 0x3f),
        0x80 | (point & 0x3f),
      );
    }
  }
  return Uint8Array.from(bytes);
}

/** Signs a request with the peer's identity key (`sign` returns the 64-byte signature). */
export function signRequest(
  request: UnsignedRequest,
  sign: (bytes: Uint8Array) => Uint8Array,
): RequestProof {
  return { ...request, signature: bytesToHex(sign(requestSigningBytes(request))) };
}

/** True when `proof` is signed by the key it names. */
export function isRequestSigned(proof: RequestProof, verify: VerifySignature): boolean {
  const { signature, ...request } = proof;
  return verify(proof.publicKey, requestSigningBytes(request), hexToBytes(signature));
}
