export type { NodeErrorCode } from "./errors.js";
export type {
  AdmittedMessage,
  LinkControlMessage,
  LinkPeer,
  LinkSigner,
  LinkStats,
  Links,
  LinksEvents,
  LinksOptions,
  MessageCodec,
  PinnedSeed,
  RefusedMessage,
} from "./link-types.js";
export { createLinks } from "./links.js";
export type { NodeControlMessage, WireMessage } from "./messages.js";
export {
  AdmittedMessageSchema,
  createWireCodec,
  NodeControlMessageSchema,
  RefusedMessageSchema,
  WireMessageSchema,
} from "./messages.js";
export type { NodeEvents } from "./node-events.js";
export { createPeerNode } from "./peer-node.js";
export type { PeerNode, PeerNodeEvent, PeerNodeOptions, PeerNodeView } from "./peer-types.js";
export { createSeedNode } from "./seed-node.js";
export type { LatencyHistogram, OperationStats, QuorumStats } from "./seed-stats.js";
export { COMMIT_LATENCY_BOUNDS_MS, createOperationStats } from "./seed-stats.js";
export type { SeedNode, SeedNodeEvent, SeedNodeOptions, SeedNodeStats } from "./seed-types.js";
export type { SignerFactory, SimulatedIdentity } from "./simulated-identity.js";
export { simulatedIdentity, simulatedSeeds } from "./simulated-identity.js";
export type { TimingOverrides, TimingProfile, TimingProfileName } from "./timing.js";
export { resolveTimingProfile, timingProfiles } from "./timing.js";
