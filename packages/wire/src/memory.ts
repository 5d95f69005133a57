import { parseAddress } from "./address.js";
import { EventSet } from "./connection-events.js";
import { P2pError, type WireErrorCode } from "./errors.js";
import { checkFrameLength, checkMaxFrameBytes, DEFAULT_MAX_FRAME_BYTES } from "./framing.js";
import { type Logger, silentLogger } from "./logger.js";
import type {
  CloseInfo,
  Connection,
  ConnectionEvents,
  ConnectionState,
  DialOptions,
  Listener,
  Transport,
} from "./transport.js";

/** The default send-buffer high-water mark of the in-memory and TCP transports: 256 KiB. */
export const DEFAULT_HIGH_WATER_MARK_BYTES = 256 * 1024;

/** Options for {@link createMemoryNetwork}. */
export interface MemoryNetworkOptions {
  /** Largest frame body `send` accepts (default 1 MiB). */
  readonly maxFrameBytes?: number;
  /** Queued bytes above which `send` returns false (default 256 KiB). */
  readonly highWaterMarkBytes?: number;
  readonly logger?: Logger;
}

/** An in-process network: every host gets a {@link Transport}; frames are delivered asynchronously. */
export interface MemoryNetwork {
  /** The transport of one host (e.g. "10.0.0.1"); the same object for the same host. */
  transport(host: string): Transport;
  /** Number of connections not yet closed, both ends counted. */
  readonly openConnections: number;
}

type PipeItem =
  | { readonly kind: "frame"; readonly payload: Uint8Array }
  | { readonly kind: "end" }
  | { readonly kind: "reset" };

const FIRST_EPHEMERAL_PORT = 49152;

/**
 * Creates an in-memory network. Delivery happens on the microtask queue, in order, with the
 * same semantics as TCP: graceful close flushes, abort drops, close fires once on each side.
 */
export function createMemoryNetwork(options: MemoryNetworkOptions = {}): MemoryNetwork {
  const maxFrameBytes = checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  const highWaterMarkBytes = options.highWaterMarkBytes ?? DEFAULT_HIGH_WATER_MARK_BYTES;
  const logger = options.logger ?? silentLogger;
  const listeners = new Map<string, (connection: Connection) => void>();
  const nextPort = new Map<string, number>();
  const transports = new Map<string, Transport>();
  let openConnections = 0;

  function allocatePort(host: string): number {
    let port = nextPort.get(host) ?? FIRST_EPHEMERAL_PORT;
    while (listeners.has(`${host}:${port}`)) port = port >= 65535 ? 1024 : port + 1;
    nextPort.set(host, port >= 65535 ? 1024 : port + 1);
    return port;
  }

  class MemoryConnection implements Connection {
    state: ConnectionState = "open";
    peer!: MemoryConnection;
    private readonly events = new EventSet<ConnectionEvents>();
    private readonly outbound: PipeItem[] = [];
    private outboundBytes = 0;
    private flushScheduled = false;
    private needsDrain = false;
    private closePromise: Promise<void> | undefined;
    private resolveClose: (() => void) | undefined;
    private finished = false;

    constructor(
      readonly localAddress: string,
      readonly remoteAddress: string,
    ) {
      openConnections += 1;
    }

    on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
      return this.events.on(event, listener);
    }

    send(payload: Uint8Array): boolean {
      if (this.state !== "open") {
        throw new P2pError<WireErrorCode>(
          "CONNECTION_CLOSED",
          `cannot send: connection to ${this.remoteAddress} is ${this.state}`,
        );
      }
      const problem = checkFrameLength(payload.byteLength, maxFrameBytes);
      if (problem !== undefined) throw problem;
      this.outbound.push({ kind: "frame", payload: payload.slice() });
      this.outboundBytes += payload.byteLength;
      this.schedule();
      if (this.outboundBytes >= highWaterMarkBytes) {
        this.needsDrain = true;
        return false;
      }
      return true;
    }

    close(): Promise<void> {
      if (this.closePromise === undefined) {
        this.closePromise = new Promise((resolve) => {
          this.resolveClose = resolve;
        });
        if (this.state === "closed") {
          this.resolveClose?.();
        } else {
          this.state = "closing";
          this.outbound.push({ kind: "end" });
          this.schedule();
        }
      }
      return this.closePromise;
    }

    abort(error?: P2pError): void {
      if (this.state === "closed") return;
      this.outbound.length = 0;
      this.outboundBytes = 0;
      this.outbound.push({ kind: "reset" });
      this.schedule();
      this.finish(
        error === undefined ? { reason: "local-abort" } : { reason: "local-abort", error },
      );
    }

    /** Marks this end closed and emits `close` exactly once. */
    finish(info: CloseInfo): void {
      if (this.finished) return;
      this.finished = true;
      this.state = "closed";
      openConnections -= 1;
      this.events.emit("close", info);
      this.events.clear();
      this.resolveClose?.();
    }

    private schedule(): void {
      if (this.flushScheduled) return;
      this.flushScheduled = true;
      void Promise.resolve().then(() => this.flush());
    }

    /** Delivers everything queued toward the peer, in order. */
    private flush(): void {
      this.flushScheduled = false;
      const items = this.outbound.splice(0, this.outbound.length);
      this.outboundBytes = 0;
      for (const item of items) this.peer.receive(item);
      if (this.needsDrain && this.state !== "closed") {
        this.needsDrain = false;
        this.events.emit("drain");
      }
    }

    private receive(item: PipeItem): void {
      if (this.finished) return;
      switch (item.kind) {
        case "frame":
          this.events.emit("message", item.payload);
          return;
        case "end":
          if (this.state === "closing") {
            this.finish({ reason: "local-close" });
          } else {
            // Like TCP without half-open: answer the end after what we already queued.
            this.state = "closing";
            this.outbound.push({ kind: "end" });
            this.schedule();
            this.finish({ reason: "remote-close" });
          }
          return;
        case "reset":
          this.outbound.length = 0;
          this.outboundBytes = 0;
          this.finish({ reason: "remote-close" });
          return;
      }
    }
  }

  function transport(host: string): Transport {
    const existing = transports.get(host);
    if (existing !== undefined) return existing;
    const created: Transport = {
      async listen(address, onConnection) {
        const parsed = parseAddress(address, { allowPortZero: true });
        if (!parsed.ok) throw parsed.error;
        if (parsed.value.host !== host) {
          throw new P2pError<WireErrorCode>(
            "LISTEN_FAILED",
            `cannot listen on ${address}: this transport belongs to host ${host}`,
          );
        }
        const port = parsed.value.port === 0 ? allocatePort(host) : parsed.value.port;
        const bound = `${host}:${port}`;
        if (listeners.has(bound)) {
          throw new P2pError<WireErrorCode>(
            "LISTEN_FAILED",
            `cannot listen on ${bound}: address in use`,
          );
        }
        listeners.set(bound, onConnection);
        logger.debug("listening", { address: bound });
        let isOpen = true;
        const listener: Listener = {
          address: bound,
          async close() {
            if (!isOpen) return;
            isOpen = false;
            listeners.delete(bound);
          },
        };
        return listener;
      },
      async dial(address, dialOptions: DialOptions = {}) {
        const parsed = parseAddress(address);
        if (!parsed.ok) throw parsed.error;
        await Promise.resolve();
        if (dialOptions.signal?.aborted === true) {
          throw new P2pError<WireErrorCode>("DIAL_ABORTED", `dial to ${address} was aborted`);
        }
        const onConnection = listeners.get(address);
        if (onConnection === undefined) {
          throw new P2pError<WireErrorCode>(
            "DIAL_FAILED",
            `cannot connect to ${address}: connection refused`,
          );
        }
        const local = `${host}:${allocatePort(host)}`;
        const client = new MemoryConnection(local, address);
        const server = new MemoryConnection(address, local);
        client.peer = server;
        server.peer = client;
        onConnection(server);
        return client;
      },
    };
    transports.set(host, created);
    return created;
  }

  return {
    transport,
    get openConnections() {
      return openConnections;
    },
  };
}
