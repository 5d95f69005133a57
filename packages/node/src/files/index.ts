export type { ClosableInput, NodeProcessRole } from "./child-process.js";
export {
  EXIT_WITH_STDIN_VARIABLE,
  exitWhenStdinCloses,
  formatReadyLine,
} from "./child-process.js";
export type {
  LineLogFields,
  LineLogger,
  LineLoggerOptions,
  LineSink,
  LogLevel,
} from "./line-logger.js";
export { createLineLogger, formatLogLine } from "./line-logger.js";
