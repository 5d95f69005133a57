export type { StarterIo } from "./cli.js";
export { runStarter } from "./cli.js";
export type {
  CommandOutcome,
  Manager,
  ManagerOptions,
  NodeState,
  NodeView,
} from "./manager.js";
export { createManager, HELP_LINES } from "./manager.js";
export type { NetworkClient, NetworkView } from "./network-client.js";
export { unavailableNetworkClient } from "./network-client.js";
export type { NodeCommand, NodeCommandOptions, NodeRole } from "./node-command.js";
export { CHILD_ENVIRONMENT, nodeCommand } from "./node-command.js";
export type { NodeExit, NodeProcess, StartNodeProcessOptions } from "./node-process.js";
export { describeExit, startNodeProcess } from "./node-process.js";
export type { PortCheck } from "./ports.js";
export { checkPort, findFreePort } from "./ports.js";
