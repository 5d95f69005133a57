import { parseAddress } from "./address.js";
import type { Clock, TimerHandle } from "./clock.js";
import { P2pError, type WireErrorCode } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import type { RandomSource } from "./random.js";
import type { Connection, Transport } from "./transport.js";

/** Options for {@link createConnectionPool}. */
export interface ConnectionPoolOptions {
  readonly transport: Transport;
  readonly clock: Clock;
  /** Jitter source for the backoff. */
  readonly random: RandomSource;
  /** Backoff after the first failed dial; doubles with each further failure. */
  readonly initialBackoffMs: number;
  /** Ceiling of the backoff. */
  readonly maxBackoffMs: number;
  /** Passed to `dial` (default: the transport's own). */
  readonly dialTimeoutMs?: number;
  readonly logger?: Logger;
  /** Called once for every newly dialled connection (attach `message` listeners here). */
  readonly onConnection?: (address: string, connection: Connection) => void;
}

/** What `inspect()` shows about one address. */
export interface PoolEntryView {
  readonly address: string;
  readonly state: "open" | "dialing" | "backoff" | "idle";
  /** Consecutive failed dials. */
  readonly failures: number;
  /** When the next dial may start (clock time), while backing off. */
  readonly retryAtMs?: number;
}

/** Outbound connections keyed by address: lazy dial, reuse, reconnect with jittered backoff. */
export interface ConnectionPool {
  /**
   * The open connection to `address`, dialling it if needed. Concurrent calls share one dial.
   * After a failed dial the next one waits out a jittered exponential backoff
   * (`initialBackoffMs` doubling up to `maxBackoffMs`, each delay drawn from [½·d, d]).
   * Rejects with the dial's `P2pError`, `ADDRESS_INVALID` or `POOL_CLOSED`.
   */
  get(address: string): Promise<Connection>;
  /** The open connection to `address`, if any; never dials. */
  peek(address: string): Connection | undefined;
  /** Closes every connection gracefully, cancels waits and refuses further use. */
  closeAll(): Promise<void>;
  inspect(): readonly PoolEntryView[];
}

interface Entry {
  connection: Connection | undefined;
  pending: Promise<Connection> | undefined;
  failures: number;
  retryAtMs: number | undefined;
  waiting: { timer: TimerHandle; reject: (error: P2pError) => void } | undefined;
}

/** Creates a {@link ConnectionPool}. */
export function createConnectionPool(options: ConnectionPoolOptions): ConnectionPool {
  const { transport, clock, random } = options;
  if (!(options.initialBackoffMs > 0) || !(options.maxBackoffMs >= options.initialBackoffMs)) {
    throw new P2pError<WireErrorCode>(
      "CONFIG_INVALID",
      "initialBackoffMs must be > 0 and maxBackoffMs >= initialBackoffMs",
    );
  }
  const logger = options.logger ?? silentLogger;
  const entries = new Map<string, Entry>();
  let isClosed = false;

  function poolClosed(): P2pError {
    return new P2pError<WireErrorCode>("POOL_CLOSED", "the connection pool is closed");
  }

  function entryOf(address: string): Entry {
    let entry = entries.get(address);
    if (entry === undefined) {
      entry = {
        connection: undefined,
        pending: undefined,
        failures: 0,
        retryAtMs: undefined,
        waiting: undefined,
      };
      entries.set(address, entry);
    }
    return entry;
  }

  function backoffMs(failures: number): number {
    const ceiling = Math.min(
      options.maxBackoffMs,
      options.initialBackoffMs * 2 ** Math.min(failures - 1, 30),
    );
    return ceiling / 2 + (random.next() * ceiling) / 2;
  }

  function wait(entry: Entry, delayMs: number): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = clock.setTimer(delayMs, () => {
        entry.waiting = undefined;
        resolve();
      });
      entry.waiting = { timer, reject };
    });
  }

  async function connect(address: string, entry: Entry): Promise<Connection> {
    const delayMs = entry.retryAtMs === undefined ? 0 : entry.retryAtMs - clock.now();
    if (delayMs > 0) await wait(entry, delayMs);
    if (isClosed) throw poolClosed();
    let connection: Connection;
    try {
      connection = await transport.dial(
        address,
        options.dialTimeoutMs === undefined ? {} : { timeoutMs: options.dialTimeoutMs },
      );
    } catch (cause) {
      entry.failures += 1;
      const delay = backoffMs(entry.failures);
      entry.retryAtMs = clock.now() + delay;
      const error = P2pError.is(cause)
        ? cause
        : new P2pError<WireErrorCode>("DIAL_FAILED", `cannot connect to ${address}`, { cause });
      logger.info("dial failed; backing off", {
        address,
        failures: entry.failures,
        backoffMs: Math.round(delay),
        reason: error.message,
      });
      throw error;
    }
    if (isClosed) {
      connection.abort(poolClosed());
      throw poolClosed();
    }
    entry.failures = 0;
    entry.retryAtMs = undefined;
    entry.connection = connection;
    connection.on("close", (info) => {
      if (entry.connection === connection) entry.connection = undefined;
      logger.debug("pooled connection closed", { address, reason: info.reason });
    });
    options.onConnection?.(address, connection);
    return connection;
  }

  return {
    get(address) {
      if (isClosed) return Promise.reject(poolClosed());
      const parsed = parseAddress(address);
      if (!parsed.ok) return Promise.reject(parsed.error);
      const entry = entryOf(address);
      if (entry.connection !== undefined && entry.connection.state === "open") {
        return Promise.resolve(entry.connection);
      }
      if (entry.pending === undefined) {
        const pending = connect(address, entry);
        entry.pending = pending;
        const clear = () => {
          if (entry.pending === pending) entry.pending = undefined;
        };
        pending.then(clear, clear);
      }
      return entry.pending;
    },
    peek(address) {
      const connection = entries.get(address)?.connection;
      return connection?.state === "open" ? connection : undefined;
    },
    async closeAll() {
      isClosed = true;
      const closing: Array<Promise<void>> = [];
      for (const entry of entries.values()) {
        if (entry.waiting !== undefined) {
          entry.waiting.timer.cancel();
          entry.waiting.reject(poolClosed());
          entry.waiting = undefined;
        }
        if (entry.connection !== undefined) closing.push(entry.connection.close());
      }
      await Promise.all(closing);
    },
    inspect() {
      return [...entries.entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([address, entry]): PoolEntryView => {
          const state =
            entry.connection?.state === "open"
              ? "open"
              : entry.waiting !== undefined
                ? "backoff"
                : entry.pending !== undefined
                  ? "dialing"
                  : "idle";
          return entry.retryAtMs === undefined
            ? { address, state, failures: entry.failures }
            : { address, state, failures: entry.failures, retryAtMs: entry.retryAtMs };
        });
    },
  };
}
