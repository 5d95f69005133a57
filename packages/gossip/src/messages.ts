import { AddressSchema } from "@p2p/wire";
import { z } from "zod";

/**
 * One gossip message on the wire. `id` is the hex message id (a hash of origin and payload,
 * see `messageId`), `origin` the publishing peer's address, `signature` the origin's Ed25519
 * signature over `gossipSigningBytes(origin, payload)`, and `hops` the number of links the
 * message has crossed before this one.
 *
 * `hops` is not signed: each relay adds one, so no signature could cover it. It is advisory —
 * it feeds the `hops` of `message-delivered` (metrics) and the `maxHops` cut-off — and a relay
 * can lower it (its copy travels further, still at most once per link) or raise it (its copy
 * stops sooner), nothing more. Who said what is covered by the signature, and the id by its
 * recomputation from origin and payload (`verifyIds`).
 */
export const GossipMessageSchema = z.object({
  type: z.literal("gossip.message"),
  id: z.string().regex(/^[0-9a-f]{32}$/, "expected 32 hex characters"),
  origin: AddressSchema,
  payload: z.custom<Uint8Array>(
    (value) => value instanceof Uint8Array,
    "expected bytes (Uint8Array)",
  ),
  hops: z.number().int().nonnegative(),
  /** Ed25519 signature by the origin's identity key over `gossipSigningBytes`, 64 bytes as hex. */
  signature: z.string().regex(/^[0-9a-f]{128}$/, "expected a 64-byte hex signature"),
});

/** One gossip message on the wire. */
export type GossipMessage = z.infer<typeof GossipMessageSchema>;

/** Every message of the gossip protocol (one today), for the host's wire codec. */
export const GossipWireMessageSchema = z.discriminatedUnion("type", [GossipMessageSchema]);

/** Every message of the gossip protocol. */
export type GossipWireMessage = z.infer<typeof GossipWireMessageSchema>;
