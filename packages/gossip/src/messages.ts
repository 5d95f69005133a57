import { AddressSchema } from "@p2p/wire";
import { z } from "zod";

/**
 * One gossip message on the wire. `id` is the hex message id (a hash of origin and payload,
 * see {@link messageId}), `origin` the publishing peer's address, `hops` the number of links
 * the message has crossed before this one.
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
});

/** One gossip message on the wire. */
export type GossipMessage = z.infer<typeof GossipMessageSchema>;

/** Every message of the gossip protocol (one today), for the host's wire codec. */
export const GossipWireMessageSchema = z.discriminatedUnion("type", [GossipMessageSchema]);

/** Every message of the gossip protocol. */
export type GossipWireMessage = z.infer<typeof GossipWireMessageSchema>;
