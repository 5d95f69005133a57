import { AddressSchema } from "@p2p/wire";
import { z } from "zod";

/** Most message ids one `gossip.ihave` may carry (the schema refuses more). */
export const MAX_IHAVE_IDS = 256;

const MessageIdSchema = z.string().regex(/^[0-9a-f]{32}$/, "expected 32 hex characters");

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
  id: MessageIdSchema,
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

/**
 * Plumtree lazy push: the sender has the messages with these ids (1 to {@link MAX_IHAVE_IDS},
 * no repeats). A receiver that lacks one waits for it to arrive over the tree, then asks the
 * sender for it (`gossip.graft`).
 */
export const GossipIhaveSchema = z
  .object({
    type: z.literal("gossip.ihave"),
    ids: z
      .array(MessageIdSchema)
      .min(1)
      .max(MAX_IHAVE_IDS)
      .refine((ids) => new Set(ids).size === ids.length, "expected distinct ids"),
  })
  .strict();

/** Plumtree lazy push: ids the sender has. */
export type GossipIhave = z.infer<typeof GossipIhaveSchema>;

/**
 * Plumtree repair: the sender lacks message `id` (it was announced by the receiver): send it,
 * and push later messages to the sender in full (the link joins the tree).
 */
export const GossipGraftSchema = z
  .object({ type: z.literal("gossip.graft"), id: MessageIdSchema })
  .strict();

/** Plumtree repair: send me message `id` and push to me in full from now on. */
export type GossipGraft = z.infer<typeof GossipGraftSchema>;

/**
 * Plumtree pruning: the sender got a message it already had over this link; send it only
 * announcements (`gossip.ihave`) from now on.
 */
export const GossipPruneSchema = z.object({ type: z.literal("gossip.prune") }).strict();

/** Plumtree pruning: announce to me instead of pushing in full. */
export type GossipPrune = z.infer<typeof GossipPruneSchema>;

/** The control messages of the Plumtree forwarding mode (no payload, no signature). */
export type GossipControlMessage = GossipIhave | GossipGraft | GossipPrune;

/** Every message of the gossip protocol, for the host's wire codec. */
export const GossipWireMessageSchema = z.discriminatedUnion("type", [
  GossipMessageSchema,
  GossipIhaveSchema,
  GossipGraftSchema,
  GossipPruneSchema,
]);

/** Every message of the gossip protocol. */
export type GossipWireMessage = z.infer<typeof GossipWireMessageSchema>;
