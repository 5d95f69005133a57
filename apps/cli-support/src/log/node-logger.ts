import { type LogFields, type Logger, P2pError } from "@p2p/wire";
import { type DestinationStream, pino } from "pino";
import { formatLogLine, type LineSink, type LogLevel } from "../files/line-logger.js";

/** The levels `--log-level` takes, lowest first. */
export const LOG_LEVELS = ["trace", "debug", "info", "warn", "error"] as const;
/** A level of {@link LOG_LEVELS}. */
export type NodeLogLevel = (typeof LOG_LEVELS)[number];

/** The formats `--log-format` takes: one JSON object per line, or one readable line. */
export const LOG_FORMATS = ["json", "pretty"] as const;
/** A format of {@link LOG_FORMATS}. */
export type LogFormat = (typeof LOG_FORMATS)[number];

/** Options of {@link createNodeLogger}. */
export interface NodeLoggerOptions {
  /** The log file to append to (seed.log, peer.log; created with its directory when missing). */
  readonly path: string;
  /** Names the writing node in every line, e.g. `peer 127.0.0.1:6001`. */
  readonly node: string;
  /** Lowest level written, to the file and the screen (default `info`). */
  readonly level?: NodeLogLevel;
  /** How the file's lines look (default `json`). */
  readonly format?: LogFormat;
  /** Also print each event as one readable line here (e.g. `process.stdout`). */
  readonly screen?: LineSink;
  /** Time source in epoch milliseconds (default `Date.now`). */
  readonly now?: () => number;
}

/**
 * A node's log: pino writes one JSON object per event (`time`, `level`, `node`, `event`, the
 * event's fields and `msg`, its readable text) to the log file, and the screen gets the
 * readable line. It is also the `Logger` of @p2p/wire, for the transports and the node
 * (their lines carry `event: "log"`, or the message itself when it is a kebab-case name).
 */
export interface NodeLogger extends Logger {
  /**
   * Logs one event: `event` is its kebab-case name (`member-registered`), `fields` what it is
   * about (`peer`, `incarnation`, …), `text` the readable line printed on the screen.
   */
  event(level: NodeLogLevel, event: string, fields: LogFields, text: string): void;
  trace(message: string, fields?: LogFields): void;
  /** True when lines of `level` are written. */
  isLevelEnabled(level: NodeLogLevel): boolean;
  /** Closes the file; lines logged afterwards are dropped. Safe to call twice. */
  close(): void;
}

/** Keys every line has; an event's field of the same name is written as `_<name>`. */
const RESERVED = new Set(["time", "level", "node", "event", "msg"]);
const EVENT_NAME = /^[a-z][a-z0-9]*(?:-[a-z0-9]+)+$/;

/** Plain JSON values for the fields: an Error becomes its message, a bigint a string. */
function plainFields(fields: LogFields | undefined): LogFields {
  const plain: LogFields = {};
  if (fields === undefined) return plain;
  for (const key of Object.keys(fields)) {
    const value = fields[key];
    plain[RESERVED.has(key) ? `_${key}` : key] =
      value instanceof Error ? value.message : typeof value === "bigint" ? String(value) : value;
  }
  return plain;
}

/** The screen's level tag: trace and debug lines read as debug, as in the line logger. */
const screenLevel = (level: NodeLogLevel): LogLevel => (level === "trace" ? "debug" : level);

/**
 * Formats one JSON line of a node log as one readable line (with its newline):
 * `2026-11-24T07:50:00.123Z [peer 127.0.0.1:6001] info registered incarnation=0`. A line
 * without an event name (`event: "log"`) shows its message instead. Returns the input
 * unchanged when it is not a JSON object.
 */
export function formatPrettyLogLine(jsonLine: string): string {
  let record: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(jsonLine);
    if (typeof parsed !== "object" || parsed === null) return jsonLine;
    record = parsed as Record<string, unknown>;
  } catch {
    return jsonLine.endsWith("\n") ? jsonLine : `${jsonLine}\n`;
  }
  const { time, level, node, event, msg, ...fields } = record;
  const timeMs = typeof time === "string" ? Date.parse(time) : Number(time);
  const title = event === "log" || event === undefined ? String(msg ?? "") : String(event);
  return formatLogLine(
    Number.isFinite(timeMs) ? timeMs : Date.now(),
    String(node ?? ""),
    "info",
    `${String(level ?? "info")} ${title}`,
    Object.keys(fields).length > 0 ? fields : undefined,
  );
}

/**
 * Opens a node's log file for appending (O_APPEND, one synchronous write per line, so several
 * processes sharing seed.log or peer.log never interleave inside a line) and returns its
 * {@link NodeLogger}. With `format: "pretty"` each JSON line is turned into
 * {@link formatPrettyLogLine}'s readable line before it is written. Throws `LOG_OPEN_FAILED`
 * when the file cannot be opened.
 */
export function createNodeLogger(options: NodeLoggerOptions): NodeLogger {
  const now = options.now ?? Date.now;
  const level = options.level ?? "info";
  let file: ReturnType<typeof pino.destination>;
  try {
    file = pino.destination({ dest: options.path, append: true, sync: true, mkdir: true });
  } catch (error) {
    throw new P2pError("LOG_OPEN_FAILED", `cannot open log file ${options.path}`, {
      cause: error,
    });
  }
  // Keep a late error (a full disk) from crashing the process: the log is best effort.
  file.on("error", () => {});
  const stream: DestinationStream =
    options.format === "pretty"
      ? { write: (line: string) => void file.write(formatPrettyLogLine(line)) }
      : file;
  const log = pino(
    {
      level,
      base: { node: options.node },
      messageKey: "msg",
      timestamp: () => `,"time":"${new Date(now()).toISOString()}"`,
      formatters: { level: (label) => ({ level: label }) },
    },
    stream,
  );
  let isClosed = false;

  const write = (
    at: NodeLogLevel,
    event: string,
    fields: LogFields,
    text: string,
    screenFields?: LogFields,
  ): void => {
    if (isClosed || !log.isLevelEnabled(at)) return;
    log[at]({ event, ...plainFields(fields) }, text);
    options.screen?.write(formatLogLine(now(), options.node, screenLevel(at), text, screenFields));
  };
  const library =
    (at: NodeLogLevel) =>
    (message: string, fields?: LogFields): void =>
      write(at, EVENT_NAME.test(message) ? message : "log", fields ?? {}, message, fields);

  return {
    event: (at, event, fields, text) => write(at, event, fields, text),
    trace: library("trace"),
    debug: library("debug"),
    info: library("info"),
    warn: library("warn"),
    error: library("error"),
    isLevelEnabled: (at) => log.isLevelEnabled(at),
    close() {
      if (isClosed) return;
      isClosed = true;
      try {
        file.flushSync();
      } catch {
        // nothing buffered, or the file is gone: nothing more to write
      }
      file.end();
    },
  };
}
