import {
  type Clock,
  type Connection,
  createMessageConnection,
  type Listener,
  type Logger,
  P2pError,
  type Result,
  type Transport,
} from "@p2p/wire";
import type { NodeErrorCode } from "./errors.js";

/** Encodes and decodes one message type (a `createCodec` from @p2p/wire fits). */
export interface MessageCodec<T> {
  encode(message: T): Uint8Array;
  decode(body: Uint8Array): Result<T, P2pError>;
}

/** The first message on every connection: who is speaking. */
export interface HelloMessage {
  readonly type: "node.hello";
  /** The sender's listening address (its identity), never its TCP source port. */
  readonly address: string;
  readonly role: "seed" | "peer" | "client";
}

/** Options for {@link createLinks}. */
export interface LinksOptions<T extends { type: string }> {
  /** This node's identity, `ip:port`; also where it listens. */
  readonly self: string;
  readonly role: HelloMessage["role"];
  readonly transport: Transport;
  readonly clock: Clock;
  readonly codec: MessageCodec<T | HelloMessage>;
  readonly logger: Logger;
  /** Frames queued per address while its connection is being dialled (older ones are dropped past this). */
  readonly maxQueuedPerAddress?: number;
  /** How long a dial may take. */
  readonly dialTimeoutMs?: number;
  /** How long an inbound connection may stay silent before its hello. */
  readonly helloTimeoutMs?: number;
}

/** Who is on the other end of a link, as its hello said. */
export interface LinkPeer {
  readonly address: string;
  readonly role: HelloMessage["role"];
}

/** Events of {@link Links}. */
export interface LinksEvents<T> {
  message: (from: LinkPeer, message: T) => void;
  /** The first connection to `address` came up, or its last one went down. */
  "link-up": (peer: LinkPeer) => void;
  "link-down": (address: string) => void;
}

/**
 * Address-keyed message links over a {@link Transport}: lazy dialling, a hello handshake
 * naming each side by its listening address, queued sends while dialling, and one place
 * where a bad frame or invalid message closes that one connection with a logged reason.
 * Sends are best effort (like a datagram): the protocols above retry what matters.
 */
export interface Links<T extends { type: string }> {
  listen(): Promise<Listener>;
  /** Sends to `address`, dialling it first if needed. Never throws for network failures. */
  send(to: string, message: T): void;
  /** Addresses with at least one open, greeted connection. */
  connected(): string[];
  isConnected(address: string): boolean;
  /** Dials `address` if not connected; resolves true once greeted, false if the dial failed. */
  connect(address: string): Promise<boolean>;
  /** Closes every connection to `address` (graceful). */
  disconnect(address: string): void;
  on<E extends keyof LinksEvents<T>>(event: E, listener: LinksEvents<T>[E]): () => void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
}

interface LinkState {
  readonly connections: Set<Connection>;
  role: HelloMessage["role"];
}

/** Creates {@link Links}. */
export function createLinks<T extends { type: string }>(options: LinksOptions<T>): Links<T> {
  const { self, role, transport, codec, logger, clock } = options;
  const maxQueued = options.maxQueuedPerAddress ?? 1024;
  const dialTimeoutMs = options.dialTimeoutMs ?? 3000;
  const helloTimeoutMs = options.helloTimeoutMs ?? 5000;
  const links = new Map<string, LinkState>();
  const dialing = new Map<string, Promise<boolean>>();
  const queues = new Map<string, Uint8Array[]>();
  const allConnections = new Set<Connection>();
  const listeners: { [E in keyof LinksEvents<T>]: Set<LinksEvents<T>[E]> } = {
    message: new Set(),
    "link-up": new Set(),
    "link-down": new Set(),
  };
  let listener: Listener | undefined;
  let isClosed = false;

  const emitMessage = (from: LinkPeer, message: T): void => {
    for (const handler of listeners.message) handler(from, message);
  };

  const hello = (): Uint8Array => codec.encode({ type: "node.hello", address: self, role });

  const pick = (address: string): Connection | undefined => {
    const state = links.get(address);
    if (state === undefined) return undefined;
    let chosen: Connection | undefined;
    for (const connection of state.connections)
      if (connection.state === "open") chosen = connection;
    return chosen;
  };

  const attach = (connection: Connection, peer: LinkPeer): void => {
    let state = links.get(peer.address);
    const isNew = state === undefined || state.connections.size === 0;
    if (state === undefined) {
      state = { connections: new Set(), role: peer.role };
      links.set(peer.address, state);
    }
    state.connections.add(connection);
    state.role = peer.role;
    if (isNew) for (const handler of listeners["link-up"]) handler(peer);
    const queued = queues.get(peer.address);
    if (queued !== undefined) {
      queues.delete(peer.address);
      for (const frame of queued) trySend(connection, peer.address, frame);
    }
  };

  const detach = (connection: Connection, address: string | undefined): void => {
    allConnections.delete(connection);
    if (address === undefined) return;
    const state = links.get(address);
    if (state === undefined || !state.connections.delete(connection)) return;
    if (state.connections.size === 0) {
      links.delete(address);
      for (const handler of listeners["link-down"]) handler(address);
    }
  };

  const trySend = (connection: Connection, address: string, frame: Uint8Array): void => {
    try {
      connection.send(frame);
    } catch (error) {
      logger.debug("send failed", { to: address, error: String(error) });
    }
  };

  /** Wires one connection: hello first, then messages. `known` is set for outbound dials. */
  const serve = (
    connection: Connection,
    known: string | undefined,
  ): Promise<LinkPeer | undefined> => {
    allConnections.add(connection);
    let peer: LinkPeer | undefined;
    let settle: (value: LinkPeer | undefined) => void = () => {};
    const greeted = new Promise<LinkPeer | undefined>((resolve) => {
      settle = resolve;
    });
    const helloTimer = clock.setTimer(helloTimeoutMs, () => {
      if (peer !== undefined) return;
      logger.warn("closing connection: no hello in time", { remote: connection.remoteAddress });
      connection.abort(
        new P2pError<NodeErrorCode>("HELLO_TIMEOUT", `no hello within ${helloTimeoutMs} ms`),
      );
    });
    // A frame that does not decode, or fails the schema, aborts this connection (logged).
    const messages = createMessageConnection(connection, codec, { logger });
    messages.on("message", (message) => {
      if (peer === undefined) {
        if (message.type !== "node.hello") {
          const error = new P2pError<NodeErrorCode>(
            "HELLO_EXPECTED",
            `expected node.hello first, got ${message.type}`,
          );
          logger.warn(`closing connection: ${error.message}`, { remote: connection.remoteAddress });
          connection.abort(error);
          return;
        }
        const greeting = message as HelloMessage;
        if (known !== undefined && greeting.address !== known) {
          logger.warn("dialled address answered with another identity", {
            dialled: known,
            answered: greeting.address,
          });
        }
        helloTimer.cancel();
        peer = { address: greeting.address, role: greeting.role };
        if (known === undefined) trySend(connection, greeting.address, hello());
        attach(connection, peer);
        settle(peer);
        return;
      }
      if (message.type === "node.hello") return;
      emitMessage(peer, message as T);
    });
    connection.on("close", (info) => {
      helloTimer.cancel();
      if (info.reason === "protocol-error" && info.error !== undefined) {
        logger.warn(`connection closed: ${info.error.message}`, {
          remote: peer?.address ?? connection.remoteAddress,
        });
      }
      detach(connection, peer?.address);
      settle(undefined);
    });
    return greeted;
  };

  const dial = (address: string): Promise<boolean> => {
    const pending = dialing.get(address);
    if (pending !== undefined) return pending;
    const attempt = (async () => {
      try {
        const connection = await transport.dial(address, { timeoutMs: dialTimeoutMs });
        if (isClosed) {
          connection.abort();
          return false;
        }
        const greeted = serve(connection, address);
        connection.send(hello());
        const peer = await greeted;
        return peer !== undefined;
      } catch (error) {
        logger.debug("dial failed", {
          to: address,
          error: P2pError.is(error) ? error.message : String(error),
        });
        return false;
      } finally {
        dialing.delete(address);
        if (!links.has(address)) queues.delete(address);
      }
    })();
    dialing.set(address, attempt);
    return attempt;
  };

  const on = <E extends keyof LinksEvents<T>>(
    event: E,
    handler: LinksEvents<T>[E],
  ): (() => void) => {
    listeners[event].add(handler);
    return () => listeners[event].delete(handler);
  };

  return {
    async listen() {
      listener = await transport.listen(self, (connection) => {
        if (isClosed) {
          connection.abort();
          return;
        }
        void serve(connection, undefined);
      });
      return listener;
    },
    send(to, message) {
      if (isClosed) return;
      const frame = codec.encode(message);
      const connection = pick(to);
      if (connection !== undefined) {
        trySend(connection, to, frame);
        return;
      }
      let queue = queues.get(to);
      if (queue === undefined) {
        queue = [];
        queues.set(to, queue);
      }
      queue.push(frame);
      if (queue.length > maxQueued) queue.shift();
      void dial(to);
    },
    connected: () => [...links.keys()].sort(),
    isConnected: (address) => pick(address) !== undefined,
    async connect(address) {
      if (pick(address) !== undefined) return true;
      return dial(address);
    },
    disconnect(address) {
      const state = links.get(address);
      queues.delete(address);
      if (state === undefined) return;
      for (const connection of [...state.connections]) void connection.close();
    },
    on,
    async close() {
      isClosed = true;
      queues.clear();
      await listener?.close();
      for (const connection of [...allConnections]) connection.abort();
      allConnections.clear();
      links.clear();
    },
  };
}
