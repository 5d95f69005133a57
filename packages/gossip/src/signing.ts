import { utf8ToBytes } from "@noble/hashes/utils.js";

/** The version tag that starts every gossip signature's bytes (domain separation). */
export const GOSSIP_SIGNING_VERSION = "p2p-gossip/v1";

/**
 * The bytes an origin signs with its Ed25519 identity key when it publishes a gossip message:
 *
 * `"p2p-gossip/v1"` (UTF-8) ‖ 0x00 ‖ origin length in bytes (u32 BE) ‖ origin (UTF-8) ‖ payload
 *
 * The tag ends at the 0x00 (it contains none) and differs from every other signed structure's
 * tag (`p2p-link/v1 static-key`, `p2p-request/v1`, `p2p-liveness-vote/v2`), so a gossip
 * signature cannot be replayed as anything else. The origin is length-prefixed and the payload
 * runs to the end, so no two (origin, payload) pairs give the same bytes. The message id is not
 * signed: it is a hash of origin and payload and is recomputed on receipt (`verifyIds`); `hops`
 * is not signed either: it is advisory (see `GossipMessage`).
 */
export function gossipSigningBytes(origin: string, payload: Uint8Array): Uint8Array {
  const tag = utf8ToBytes(GOSSIP_SIGNING_VERSION);
  const originBytes = utf8ToBytes(origin);
  const bytes = new Uint8Array(tag.length + 1 + 4 + originBytes.length + payload.length);
  bytes.set(tag, 0);
  let offset = tag.length;
  bytes[offset++] = 0;
  new DataView(bytes.buffer).setUint32(offset, originBytes.length, false);
  offset += 4;
  bytes.set(originBytes, offset);
  bytes.set(payload, offset + originBytes.length);
  return bytes;
}
