import { GossipWireMessageSchema } from "@p2p/gossip";
import {
  AliveVoteMessageSchema,
  LivenessMessageSchema,
  SeedProbeRequestSchema,
} from "@p2p/liveness";
import { QuorumMessageSchema } from "@p2p/quorum";
import { OverlayMessageSchema } from "@p2p/topology";
import { createCodec } from "@p2p/wire";
import { z } from "zod";

/** Why a node refused a link (sent sealed, right before it closes the connection). */
export const RefusedMessageSchema = z.object({
  type: z.literal("node.refused"),
  /** A stable code, e.g. `ADDRESS_NOT_PROVEN`. */
  code: z.string().min(1).max(64),
  reason: z.string().max(512),
});

/**
 * The listener admitted this link (sent sealed, as its first message): the dialer sends nothing
 * until it arrives, so a listener that must first prove the dialer's address buffers nothing.
 */
export const AdmittedMessageSchema = z.object({ type: z.literal("node.admitted") });

/** A seed tells a peer (the removed one, or a neighbour of it) that a member was removed. */
const MemberRemovedNoticeSchema = z.object({
  type: z.literal("node.member-removed"),
  address: z.string().min(1).max(256),
  incarnation: z.number().int().nonnegative(),
});

/** Every node-level message (not owned by a protocol package). */
export const NodeControlMessageSchema = z.discriminatedUnion("type", [
  RefusedMessageSchema,
  AdmittedMessageSchema,
  MemberRemovedNoticeSchema,
]);

/** Every message that crosses a p2p connection: the union of all protocols' messages. */
export const WireMessageSchema = z.discriminatedUnion("type", [
  NodeControlMessageSchema,
  QuorumMessageSchema,
  OverlayMessageSchema,
  GossipWireMessageSchema,
  LivenessMessageSchema,
  SeedProbeRequestSchema,
  AliveVoteMessageSchema,
]);

/** Any message on a p2p connection. */
export type WireMessage = z.infer<typeof WireMessageSchema>;
/** A node-level control message. */
export type NodeControlMessage = z.infer<typeof NodeControlMessageSchema>;

/** The codec of p2p connections (msgpack body, validated against {@link WireMessageSchema}). */
export function createWireCodec(options: { maxFrameBytes?: number } = {}) {
  return createCodec(WireMessageSchema, options);
}
