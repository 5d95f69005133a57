// The parts of @p2p/node the starter uses. They live in packages/node/src/config; once
// @p2p/node's index re-exports them, this file imports from "@p2p/node" instead.
export type { NetworkConfig, TimingProfileName } from "../../../packages/node/src/config/index.js";
export {
  loadConfig,
  nodeDataDirectory,
  parseConfig,
  parseNodeAddress,
} from "../../../packages/node/src/config/index.js";
