import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/** Bytes of sha256 kept in a message id (128 bits: collisions are not a practical concern). */
export const MESSAGE_ID_BYTES = 16;

/**
 * The id of a gossip message: sha256(origin ‖ 0x00 ‖ payload) truncated to 16 bytes, in hex.
 * The origin is part of the hash, so two peers publishing the same text make two messages.
 */
export function messageId(origin: string, payload: Uint8Array): string {
  const originBytes = utf8ToBytes(origin);
  const input = new Uint8Array(originBytes.length + 1 + payload.length);
  input.set(originBytes, 0);
  input[originBytes.length] = 0;
  input.set(payload, originBytes.length + 1);
  return bytesToHex(sha256(input).subarray(0, MESSAGE_ID_BYTES));
}
