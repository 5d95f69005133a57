import { closeSync, mkdirSync, openSync, writeSync } from "node:fs";
import { dirname } from "node:path";
import { P2pError } from "@p2p/wire";

/** Structured fields appended to a log line as ` key=value`. */
export type LineLogFields = Record<string, unknown>;

/** Severity of a log line; lines below the logger's `level` are dropped. */
export type LogLevel = "debug" | "info" | "warn" | "error";

/**
 * A logger that writes whole lines to a shared file (and optionally a screen stream).
 * Structurally the `Logger` of @p2p/wire (debug/info/warn/error(message, fields?)), plus
 * `close()`.
 */
export interface LineLogger {
  debug(message: string, fields?: LineLogFields): void;
  info(message: string, fields?: LineLogFields): void;
  warn(message: string, fields?: LineLogFields): void;
  error(message: string, fields?: LineLogFields): void;
  /** Closes the file; lines logged afterwards are dropped. Safe to call twice. */
  close(): void;
}

/** Something lines can be written to, such as `process.stdout`. */
export interface LineSink {
  write(text: string): unknown;
}

/** Options of {@link createLineLogger}. */
export interface LineLoggerOptions {
  /** The file to append to (created, with its directory, when missing). */
  readonly path: string;
  /** Names the writing node in every line, e.g. `peer 127.0.0.1:6001`. */
  readonly node: string;
  /** Also write each line here (e.g. `process.stdout`). */
  readonly screen?: LineSink;
  /** Lowest level written (default `info`). */
  readonly level?: LogLevel;
  /** Time source in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

const LEVEL_RANK: Readonly<Record<LogLevel, number>> = { debug: 0, info: 1, warn: 2, error: 3 };
const LEVEL_TAG: Readonly<Record<LogLevel, string>> = {
  debug: "debug: ",
  info: "",
  warn: "warning: ",
  error: "error: ",
};

/**
 * Formats one log line (with its trailing newline):
 * `2026-11-24T07:50:00.123Z [peer 127.0.0.1:6001] message key=value`. Newlines inside the
 * message or fields are escaped, so the result is always exactly one line.
 */
export function formatLogLine(
  timeMs: number,
  node: string,
  level: LogLevel,
  message: string,
  fields?: LineLogFields,
): string {
  let text = `${new Date(timeMs).toISOString()} [${node}] ${LEVEL_TAG[level]}${message}`;
  if (fields !== undefined) {
    for (const key of Object.keys(fields)) {
      text += ` ${key}=${formatFieldValue(fields[key])}`;
    }
  }
  return `${text.replace(/\r?\n|\r/g, "\\n")}\n`;
}

function formatFieldValue(value: unknown): string {
  if (typeof value === "string") return /^[^\s"=]+$/.test(value) ? value : JSON.stringify(value);
  if (value instanceof Error) return JSON.stringify(value.message);
  if (typeof value === "bigint") return value.toString();
  if (value === undefined || typeof value === "function" || typeof value === "symbol") {
    return String(value);
  }
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * Opens `path` for appending (O_APPEND) and returns a logger that writes each line with a
 * single `write` call. Several processes can share one file (seed.log, peer.log,
 * outputfile.txt): every line lands whole, never interleaved with another process's.
 * Throws `LOG_OPEN_FAILED` when the file cannot be opened.
 */
export function createLineLogger(options: LineLoggerOptions): LineLogger {
  const now = options.now ?? Date.now;
  const minimumRank = LEVEL_RANK[options.level ?? "info"];
  let descriptor: number | undefined;
  try {
    mkdirSync(dirname(options.path), { recursive: true });
    descriptor = openSync(options.path, "a");
  } catch (error) {
    throw new P2pError("LOG_OPEN_FAILED", `cannot open log file ${options.path}`, {
      cause: error,
    });
  }

  const write = (level: LogLevel, message: string, fields?: LineLogFields): void => {
    if (descriptor === undefined || LEVEL_RANK[level] < minimumRank) return;
    const line = formatLogLine(now(), options.node, level, message, fields);
    const bytes = Buffer.from(line, "utf8");
    // One write per line: with O_APPEND the kernel places it at the end atomically.
    let written = writeSync(descriptor, bytes);
    while (written < bytes.length) written += writeSync(descriptor, bytes, written);
    options.screen?.write(line);
  };

  return {
    debug: (message, fields) => write("debug", message, fields),
    info: (message, fields) => write("info", message, fields),
    warn: (message, fields) => write("warn", message, fields),
    error: (message, fields) => write("error", message, fields),
    close: () => {
      if (descriptor === undefined) return;
      closeSync(descriptor);
      descriptor = undefined;
    },
  };
}
