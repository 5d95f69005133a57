export type { GossipConfig, GossipConfigInput } from "./config.js";
export {
  CatchUpConfigSchema,
  GeneratorConfigSchema,
  GossipConfigSchema,
  parseGossipConfig,
} from "./config.js";
export type { GossipErrorCode } from "./errors.js";
export type { ForwardingContext, ForwardingPolicy } from "./forwarding.js";
export { floodPolicy, randomFanoutPolicy } from "./forwarding.js";
export { createGossip } from "./gossip.js";
export type {
  Gossip,
  GossipCounters,
  GossipDependencies,
  GossipEvent,
  GossipInput,
  GossipOutput,
  GossipRejectReason,
  GossipView,
} from "./gossip-types.js";
export { MESSAGE_ID_BYTES, messageId } from "./message-id.js";
export type { GossipMessage, GossipWireMessage } from "./messages.js";
export { GossipMessageSchema, GossipWireMessageSchema } from "./messages.js";
export { GOSSIP_SIGNING_VERSION, gossipSigningBytes } from "./signing.js";
