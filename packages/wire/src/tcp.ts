import { createServer, type Server, Socket } from "node:net";
import { formatAddress, parseAddress } from "./address.js";
import { EventSet } from "./connection-events.js";
import { P2pError, type WireErrorCode } from "./errors.js";
import {
  checkFrameLength,
  checkMaxFrameBytes,
  createFrameDecoder,
  DEFAULT_MAX_FRAME_BYTES,
  FRAME_HEADER_BYTES,
  type FrameDecoder,
} from "./framing.js";
import { type Logger, silentLogger } from "./logger.js";
import { DEFAULT_HIGH_WATER_MARK_BYTES } from "./memory.js";
import type {
  CloseInfo,
  Connection,
  ConnectionEvents,
  ConnectionState,
  DialOptions,
  Listener,
  Transport,
} from "./transport.js";

/**
 * How long one connection hands received frames up without a break: past it, the rest of a
 * burst waits for the next turn of the event loop (timers and other sockets go first).
 */
const RECEIVE_SLICE_MS = 10;

/** Options for {@link createTcpTransport}. */
export interface TcpTransportOptions {
  /** Largest frame body sent or accepted (default 1 MiB); a larger announced frame closes the connection. */
  readonly maxFrameBytes?: number;
  /** Default dial timeout (default 5000 ms). */
  readonly connectTimeoutMs?: number;
  /** Close a connection with no traffic in either direction for this long (default: never). */
  readonly idleTimeoutMs?: number;
  /** Queued outbound bytes above which `send` returns false (default 256 KiB). */
  readonly highWaterMarkBytes?: number;
  /** A graceful close that has not completed after this long is aborted (default 5000 ms). */
  readonly closeTimeoutMs?: number;
  readonly logger?: Logger;
}

/** Traffic of a TCP transport since it was created: every connection, both directions. */
export interface TcpTransportStats {
  /** Inbound connections its listeners accepted. */
  readonly connectionsAccepted: number;
  /** Outbound connections its dials opened. */
  readonly connectionsDialled: number;
  readonly framesSent: number;
  readonly framesReceived: number;
  /** Bytes written to sockets, frame headers included. */
  readonly bytesSent: number;
  /** Bytes read from sockets, frame headers included. */
  readonly bytesReceived: number;
}

/** A {@link Transport} over TCP, with read-only traffic counters. */
export interface TcpTransport extends Transport {
  /** A snapshot of the counters (a new object each call). */
  stats(): TcpTransportStats;
}

type MutableStats = { -readonly [K in keyof TcpTransportStats]: number };

function remoteOf(socket: Socket): string {
  const host = socket.remoteAddress ?? "unknown";
  return formatAddress({ host, port: socket.remotePort ?? 0 });
}

function localOf(socket: Socket): string {
  const host = socket.localAddress ?? "unknown";
  return formatAddress({ host, port: socket.localPort ?? 0 });
}

interface ResolvedOptions {
  readonly maxFrameBytes: number;
  readonly connectTimeoutMs: number;
  readonly idleTimeoutMs: number | undefined;
  readonly highWaterMarkBytes: number;
  readonly closeTimeoutMs: number;
  readonly logger: Logger;
  readonly stats: MutableStats;
}

/** A {@link Connection} over one TCP socket, framed with u32 big-endian length prefixes. */
class TcpConnection implements Connection {
  readonly localAddress: string;
  readonly remoteAddress: string;
  private currentState: ConnectionState = "open";
  private readonly events = new EventSet<ConnectionEvents>();
  private readonly decoder;
  private closePromise: Promise<void> | undefined;
  private resolveClose: (() => void) | undefined;
  private closeTimer: ReturnType<typeof setTimeout> | undefined;
  private socketError: Error | undefined;
  private needsDrain = false;
  /** Decoded frames (or the decoding error) not yet handed up, oldest first. */
  private readonly received: ReturnType<FrameDecoder["push"]>[number][] = [];
  private isSliceScheduled = false;
  private isCorked = false;
  private hasSentThisTick = false;
  /** Who started the shutdown: decides between local-close and remote-close. */
  private closedBy: "local" | "remote" | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly options: ResolvedOptions,
  ) {
    this.localAddress = localOf(socket);
    this.remoteAddress = remoteOf(socket);
    this.decoder = createFrameDecoder({ maxFrameBytes: options.maxFrameBytes });
    socket.setNoDelay(true);
    if (options.idleTimeoutMs !== undefined) {
      socket.setTimeout(options.idleTimeoutMs);
      socket.on("timeout", () => {
        options.logger.info("closing idle connection", {
          remoteAddress: this.remoteAddress,
          idleTimeoutMs: options.idleTimeoutMs,
        });
        this.terminate({ reason: "idle-timeout" });
      });
    }
    socket.on("data", (chunk: Buffer) => this.onData(chunk));
    socket.on("drain", () => {
      if (this.needsDrain && this.currentState !== "closed") {
        this.needsDrain = false;
        this.events.emit("drain");
      }
    });
    socket.on("end", () => {
      // The remote finished sending; Node ends our side too (no half-open connections).
      if (this.currentState === "open") {
        this.closedBy = "remote";
        this.currentState = "closing";
      }
    });
    socket.on("error", (error) => {
      this.socketError = error;
    });
    socket.on("close", () => this.onSocketClose());
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
    return this.events.on(event, listener);
  }

  send(payload: Uint8Array): boolean {
    if (this.currentState !== "open") {
      throw new P2pError<WireErrorCode>(
        "CONNECTION_CLOSED",
        `cannot send: connection to ${this.remoteAddress} is ${this.currentState}`,
      );
    }
    const problem = checkFrameLength(payload.byteLength, this.options.maxFrameBytes);
    if (problem !== undefined) throw problem;
    const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.byteLength);
    frame.writeUInt32BE(payload.byteLength, 0);
    frame.set(payload, FRAME_HEADER_BYTES);
    // The first frame of a tick leaves at once: a gossip forward or a ping answer does not wait
    // behind what the rest of the tick does (log lines written to a busy disk, other frames).
    // The frames that follow it in the same tick are corked and leave in one write when the
    // tick ends.
    if (!this.hasSentThisTick) {
      this.hasSentThisTick = true;
      process.nextTick(() => {
        this.hasSentThisTick = false;
        if (this.isCorked) {
          this.isCorked = false;
          this.socket.uncork();
        }
      });
    } else if (!this.isCorked) {
      this.isCorked = true;
      this.socket.cork();
    }
    const belowMark = this.socket.write(frame);
    this.options.stats.framesSent += 1;
    this.options.stats.bytesSent += frame.byteLength;
    if (!belowMark) this.needsDrain = true;
    return belowMark;
  }

  close(): Promise<void> {
    if (this.closePromise === undefined) {
      this.closePromise = new Promise((resolve) => {
        this.resolveClose = resolve;
      });
      if (this.currentState === "closed") {
        this.resolveClose?.();
      } else {
        if (this.closedBy === undefined) this.closedBy = "local";
        this.currentState = "closing";
        this.socket.end();
        this.closeTimer = setTimeout(() => {
          this.options.logger.warn("graceful close timed out; aborting", {
            remoteAddress: this.remoteAddress,
          });
          this.terminate({ reason: "local-close" });
        }, this.options.closeTimeoutMs);
        this.closeTimer.unref();
      }
    }
    return this.closePromise;
  }

  abort(error?: P2pError): void {
    this.terminate(
      error === undefined ? { reason: "local-abort" } : { reason: "local-abort", error },
    );
  }

  private onData(chunk: Buffer): void {
    if (this.currentState === "closed") return;
    this.options.stats.bytesReceived += chunk.byteLength;
    for (const result of this.decoder.push(chunk)) this.received.push(result);
    if (!this.isSliceScheduled) this.handleReceived();
  }

  /**
   * Hands the decoded frames up in order, for at most {@link RECEIVE_SLICE_MS} at a time: past
   * that, the socket is paused and the rest waits for the next turn of the event loop, so a
   * burst that is slow to handle (hundreds of frames in one read, a host short of CPU) never
   * holds back timers (pings) and other connections (a seed's probe) until its end.
   */
  private handleReceived(sliceMs = RECEIVE_SLICE_MS): void {
    this.isSliceScheduled = false;
    const started = performance.now();
    for (let result = this.received.shift(); result !== undefined; result = this.received.shift()) {
      if (this.isClosed()) {
        this.received.length = 0;
        return;
      }
      if (!result.ok) {
        this.options.logger.warn("closing connection: protocol error", {
          remoteAddress: this.remoteAddress,
          code: result.error.code,
          reason: result.error.message,
        });
        this.terminate({ reason: "protocol-error", error: result.error });
        return;
      }
      this.options.stats.framesReceived += 1;
      this.events.emit("message", result.value);
      if (this.received.length > 0 && performance.now() - started >= sliceMs) {
        // Paused, the socket reads nothing more (its end and close wait too) until the rest of
        // this burst has been handed up.
        this.isSliceScheduled = true;
        this.socket.pause();
        setImmediate(() => this.handleReceived());
        return;
      }
    }
    if (!this.isClosed() && this.socket.isPaused()) this.socket.resume();
  }

  private isClosed(): boolean {
    return this.currentState === "closed";
  }

  private onSocketClose(): void {
    if (this.currentState === "closed") return;
    // What arrived before the end (or a reset) is handed up before the close, all of it now.
    if (this.received.length > 0) this.handleReceived(Number.POSITIVE_INFINITY);
    if (this.isClosed()) return; // a bad frame among them closed it
    if (this.closedBy === "local") {
      this.finish({ reason: "local-close" });
      return;
    }
    const error = this.socketError;
    if (error === undefined || this.closedBy === "remote") {
      this.finish({ reason: "remote-close" });
      return;
    }
    this.finish({
      reason: "transport-error",
      error: new P2pError<WireErrorCode>(
        "CONNECTION_FAILED",
        `connection to ${this.remoteAddress} failed: ${error.message}`,
        {
          cause: error,
        },
      ),
    });
  }

  /** Destroys the socket now and reports `info`. */
  private terminate(info: CloseInfo): void {
    if (this.currentState === "closed") return;
    this.socket.destroy();
    this.finish(info);
  }

  private finish(info: CloseInfo): void {
    if (this.currentState === "closed") return;
    this.currentState = "closed";
    if (this.closeTimer !== undefined) clearTimeout(this.closeTimer);
    this.events.emit("close", info);
    this.events.clear();
    this.resolveClose?.();
  }
}

/**
 * Creates a TCP transport on `node:net`: u32 big-endian length-prefixed frames, Nagle disabled,
 * connect and idle timeouts, backpressure through `send()` and `drain`. A peer that sends a bad
 * frame (empty, oversized) has its connection closed with `protocol-error` and a logged reason;
 * the listener keeps serving everyone else.
 */
export function createTcpTransport(options: TcpTransportOptions = {}): TcpTransport {
  const resolved: ResolvedOptions = {
    maxFrameBytes: checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES),
    connectTimeoutMs: options.connectTimeoutMs ?? 5000,
    idleTimeoutMs: options.idleTimeoutMs,
    highWaterMarkBytes: options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK_BYTES,
    closeTimeoutMs: options.closeTimeoutMs ?? 5000,
    logger: options.logger ?? silentLogger,
    stats: {
      connectionsAccepted: 0,
      connectionsDialled: 0,
      framesSent: 0,
      framesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
    },
  };
  const { logger } = resolved;

  return {
    stats: () => ({ ...resolved.stats }),
    listen(address, onConnection) {
      const parsed = parseAddress(address, { allowPortZero: true });
      if (!parsed.ok) return Promise.reject(parsed.error);
      const { host, port } = parsed.value;
      return new Promise<Listener>((resolve, reject) => {
        const server: Server = createServer({
          noDelay: true,
          highWaterMark: resolved.highWaterMarkBytes,
        });
        server.on("connection", (socket) => {
          socket.setNoDelay(true);
          const connection = new TcpConnection(socket, resolved);
          resolved.stats.connectionsAccepted += 1;
          logger.debug("accepted connection", { remoteAddress: connection.remoteAddress });
          onConnection(connection);
        });
        server.once("error", (error) => {
          reject(
            new P2pError<WireErrorCode>(
              "LISTEN_FAILED",
              `cannot listen on ${address}: ${error.message}`,
              {
                cause: error,
              },
            ),
          );
        });
        server.listen({ host, port }, () => {
          server.removeAllListeners("error");
          server.on("error", (error) => {
            logger.error("listener error", { address, reason: error.message });
          });
          const bound = server.address();
          const boundPort = typeof bound === "object" && bound !== null ? bound.port : port;
          const listener: Listener = {
            address: formatAddress({ host, port: boundPort }),
            close() {
              if (!server.listening) return Promise.resolve();
              // Stops accepting at once; existing connections stay open.
              server.close();
              return Promise.resolve();
            },
          };
          logger.debug("listening", { address: listener.address });
          resolve(listener);
        });
      });
    },

    dial(address, dialOptions: DialOptions = {}) {
      const parsed = parseAddress(address);
      if (!parsed.ok) return Promise.reject(parsed.error);
      const { host, port } = parsed.value;
      const timeoutMs = dialOptions.timeoutMs ?? resolved.connectTimeoutMs;
      const signal = dialOptions.signal;
      return new Promise<Connection>((resolve, reject) => {
        if (signal?.aborted === true) {
          reject(new P2pError<WireErrorCode>("DIAL_ABORTED", `dial to ${address} was aborted`));
          return;
        }
        // `writableHighWaterMark` is passed through to the Duplex stream (missing from @types/node).
        const socketOptions = {
          allowHalfOpen: false,
          writableHighWaterMark: resolved.highWaterMarkBytes,
        };
        const socket = new Socket(socketOptions);
        let settled = false;
        const timer = setTimeout(() => {
          fail(
            new P2pError<WireErrorCode>(
              "DIAL_TIMEOUT",
              `cannot connect to ${address}: no answer in ${timeoutMs} ms`,
            ),
          );
        }, timeoutMs);
        const onAbort = () =>
          fail(new P2pError<WireErrorCode>("DIAL_ABORTED", `dial to ${address} was aborted`));
        signal?.addEventListener("abort", onAbort);
        function cleanup(): void {
          settled = true;
          clearTimeout(timer);
          signal?.removeEventListener("abort", onAbort);
          socket.removeListener("error", onError);
        }
        function fail(error: P2pError): void {
          if (settled) return;
          cleanup();
          socket.destroy();
          reject(error);
        }
        function onError(error: Error): void {
          fail(
            new P2pError<WireErrorCode>(
              "DIAL_FAILED",
              `cannot connect to ${address}: ${error.message}`,
              {
                cause: error,
              },
            ),
          );
        }
        socket.once("error", onError);
        socket.connect({ host, port }, () => {
          if (settled) return;
          cleanup();
          resolved.stats.connectionsDialled += 1;
          resolve(new TcpConnection(socket, resolved));
        });
      });
    },
  };
}
