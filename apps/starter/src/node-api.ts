// The parts of @p2p/node the starter uses (config and process-contract helpers from
// packages/node/src/{config,files}). Imported by path so the starter does not load the
// protocol stack; switching to `from "@p2p/node"` changes nothing else.
export type { NetworkConfig, TimingProfileName } from "../../../packages/node/src/config/index.js";
export {
  loadConfig,
  nodeDataDirectory,
  parseConfig,
  parseNodeAddress,
} from "../../../packages/node/src/config/index.js";
export {
  EXIT_WITH_STDIN_VARIABLE,
  formatReadyLine,
} from "../../../packages/node/src/files/child-process.js";
