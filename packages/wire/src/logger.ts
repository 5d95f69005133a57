/** Structured fields attached to a log line. */
export type LogFields = Record<string, unknown>;

/**
 * The minimal logger the transports and the node take. Adapt any logging library to it;
 * messages are one line, details go in `fields`.
 */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

/** A logger that drops everything (the default). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
