export type { GossipConfig, GossipConfigInput, PlumtreeConfig } from "./config.js";
export {
  CatchUpConfigSchema,
  GeneratorConfigSchema,
  GossipConfigSchema,
  PlumtreeConfigSchema,
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
export type {
  GossipControlMessage,
  GossipGraft,
  GossipIhave,
  GossipMessage,
  GossipPrune,
  GossipWireMessage,
} from "./messages.js";
export {
  GossipGraftSchema,
  GossipIhaveSchema,
  GossipMessageSchema,
  GossipPruneSchema,
  GossipWireMessageSchema,
  MAX_IHAVE_IDS,
} from "./messages.js";
export type { PlumtreeCounters, PlumtreeView } from "./plumtree.js";
export { GOSSIP_SIGNING_VERSION, gossipSigningBytes } from "./signing.js";
