export {
  AppExit,
  addressArgument,
  createProcessRandom,
  EXIT,
  handleProcessExit,
  loadNetworkConfig,
  parseCommandLine,
  peerSeedList,
  runApp,
} from "./app-runtime.js";
export * from "./config/index.js";
export * from "./files/index.js";
export type {
  HelloMessage,
  LinkPeer,
  Links,
  LinksEvents,
  LinksOptions,
  MessageCodec,
} from "./links.js";
export { createLinks } from "./links.js";
export type { MachineHost, TickableMachine } from "./machine-host.js";
export { createMachineHost } from "./machine-host.js";
export type { MembersReport, SeedAnswer } from "./members-client.js";
export { compareViews, formatMembersReport, queryMembers } from "./members-client.js";
export { degreesOf, undirectedNeighbours } from "./membership-view.js";
export type { NodeControlMessage, WireMessage } from "./messages.js";
export {
  createWireCodec,
  HelloMessageSchema,
  NodeControlMessageSchema,
  WireMessageSchema,
} from "./messages.js";
export type { NodeEvents } from "./node-events.js";
export type { PeerNode, PeerNodeEvent, PeerNodeOptions, PeerNodeView } from "./peer-node.js";
export { createPeerNode } from "./peer-node.js";
export type { SeedNode, SeedNodeEvent, SeedNodeOptions } from "./seed-node.js";
export { createSeedNode } from "./seed-node.js";
