export type {
  LineLogFields,
  LineLogger,
  LineLoggerOptions,
  LineSink,
  LogLevel,
} from "./line-logger.js";
export { createLineLogger, formatLogLine } from "./line-logger.js";
