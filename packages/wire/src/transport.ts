import type { P2pError } from "./errors.js";

/** Why a connection closed. */
export type CloseReason =
  /** `close()` was called here and the connection shut down gracefully. */
  | "local-close"
  /** `abort()` was called here. */
  | "local-abort"
  /** The remote end closed or aborted. */
  | "remote-close"
  /** The remote sent bytes that violate the wire format (bad frame, oversized, undecodable). */
  | "protocol-error"
  /** Nothing was received for longer than the idle timeout. */
  | "idle-timeout"
  /** The underlying transport failed (reset, unreachable, crashed node in simulation). */
  | "transport-error";

/** What a `close` event reports. */
export interface CloseInfo {
  readonly reason: CloseReason;
  /** Set for `protocol-error`, `transport-error` and aborts that carry an error. */
  readonly error?: P2pError;
}

/** Events a {@link Connection} emits. */
export interface ConnectionEvents {
  /** One whole frame body arrived (framing is the transport's job). */
  message: (payload: Uint8Array) => void;
  /** The send buffer fell below its high-water mark after `send` returned false. */
  drain: () => void;
  /** The connection is closed; emitted exactly once. No `message` follows it. */
  close: (info: CloseInfo) => void;
}

/** The state of a {@link Connection}. */
export type ConnectionState = "open" | "closing" | "closed";

/**
 * A bidirectional, ordered, reliable stream of frames between two endpoints.
 * Implementations: TCP (`createTcpTransport`), in-memory (`createMemoryNetwork`),
 * and the simulated network in `@p2p/sim`. All pass the same contract suite.
 */
export interface Connection {
  /** Local endpoint as `host:port`. */
  readonly localAddress: string;
  /** Remote endpoint as `host:port` (for inbound TCP this is the ephemeral source port, not an identity). */
  readonly remoteAddress: string;
  readonly state: ConnectionState;
  /**
   * Queues one frame body. Returns false when the send buffer is above its high-water mark:
   * the frame is still queued, but the caller should wait for `drain` before sending more.
   * Throws a `P2pError` with code `CONNECTION_CLOSED` when the connection is not open, and
   * `FRAME_EMPTY` / `FRAME_TOO_LARGE` for a payload the wire format cannot carry.
   */
  send(payload: Uint8Array): boolean;
  /** Graceful close: flushes what is queued, then closes. Resolves when closed. */
  close(): Promise<void>;
  /** Immediate close: drops what is queued. */
  abort(error?: P2pError): void;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void;
}

/** A bound listening endpoint. */
export interface Listener {
  /** The bound address as `host:port` (with the real port when listening on port 0). */
  readonly address: string;
  /** Stops accepting; existing connections stay open. */
  close(): Promise<void>;
}

/**
 * The part of the standard `AbortSignal` that dial uses (a real `AbortSignal` fits); declared
 * here so the core interfaces need no DOM or Node types.
 */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: "abort", listener: () => void): void;
  removeEventListener(type: "abort", listener: () => void): void;
}

/** Options for {@link Transport.dial}. */
export interface DialOptions {
  /** Give up after this long (default: transport-specific, 5 s for TCP). */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignalLike;
}

/** Opens and accepts {@link Connection}s. */
export interface Transport {
  /** Listens on `host:port` (port 0 picks a free port) and hands every inbound connection to `onConnection`. */
  listen(address: string, onConnection: (connection: Connection) => void): Promise<Listener>;
  /** Connects to `host:port`. Rejects with a `P2pError` (`DIAL_FAILED`, `DIAL_TIMEOUT`). */
  dial(address: string, options?: DialOptions): Promise<Connection>;
}
