export {
  AppExit,
  addressArgument,
  createProcessRandom,
  EXIT,
  handleProcessExit,
  keyCommandIdentity,
  loadNetworkConfig,
  packageVersion,
  parseCommandLine,
  peerSeedList,
  pinnedSeeds,
  runApp,
} from "./app-runtime.js";
export type { NodeEndpoint } from "./config/address.js";
export { formatNodeAddress, parseNodeAddress, parseNodeIp } from "./config/address.js";
export type { ConfigProblem } from "./config/config-error.js";
export { ConfigError, formatConfigProblem } from "./config/config-error.js";
export type { NetworkConfig, ParseConfigOptions } from "./config/network-config.js";
export { loadConfig, parseConfig } from "./config/network-config.js";
export { nodeDataDirectory } from "./config/paths.js";
export type { SeedListEntry } from "./config/seed-list.js";
export { parseSeedList, readSeedList, writeSeedList } from "./config/seed-list.js";
export type { ClosableInput, NodeProcessRole } from "./files/child-process.js";
export {
  EXIT_WITH_STDIN_VARIABLE,
  exitWhenStdinCloses,
  formatExitedLine,
  formatReadyLine,
  formatWaitingLine,
  PEER_PROCESS_FLAGS,
} from "./files/child-process.js";
export type {
  LineLogFields,
  LineLogger,
  LineLoggerOptions,
  LineSink,
  LogLevel,
} from "./files/line-logger.js";
export { createLineLogger, formatLogLine } from "./files/line-logger.js";
export type { NodeIdentity } from "./identity.js";
export {
  createEphemeralIdentity,
  IDENTITY_KEY_FILE,
  loadIdentity,
  verifyEd25519,
} from "./identity.js";
export type { LogFormat, NodeLogger, NodeLoggerOptions, NodeLogLevel } from "./log/node-logger.js";
export {
  createNodeLogger,
  formatPrettyLogLine,
  LOG_FORMATS,
  LOG_LEVELS,
} from "./log/node-logger.js";
export type { MembersReport, SeedAnswer } from "./members-client.js";
export { compareViews, formatMembersReport, queryMembers } from "./members-client.js";
export type { SchemaProblem } from "./schema-problems.js";
export {
  describeValue,
  formatFieldPath,
  formatSchemaProblem,
  parseWithSchema,
  schemaProblems,
} from "./schema-problems.js";
