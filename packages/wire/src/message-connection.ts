import type { Codec } from "./codec.js";
import { EventSet } from "./connection-events.js";
import type { P2pError } from "./errors.js";
import { type Logger, silentLogger } from "./logger.js";
import type { CloseInfo, Connection, ConnectionState } from "./transport.js";

/** Events of a {@link MessageConnection}. */
export interface MessageConnectionEvents<T> {
  /** One decoded, validated message. */
  message: (message: T) => void;
  /** The send buffer fell below its high-water mark after `send` returned false. */
  drain: () => void;
  /** Closed; emitted exactly once. A message that failed decoding reports `protocol-error`. */
  close: (info: CloseInfo) => void;
}

/** A {@link Connection} that carries typed messages instead of byte frames. */
export interface MessageConnection<T> {
  /** The underlying connection. */
  readonly connection: Connection;
  readonly localAddress: string;
  readonly remoteAddress: string;
  readonly state: ConnectionState;
  /**
   * Encodes and sends one message; false means "wait for drain". Throws on an invalid message
   * (`MESSAGE_INVALID`) or a connection that is not open (`CONNECTION_CLOSED`).
   */
  send(message: T): boolean;
  close(): Promise<void>;
  abort(error?: P2pError): void;
  on<E extends keyof MessageConnectionEvents<T>>(
    event: E,
    listener: MessageConnectionEvents<T>[E],
  ): () => void;
}

/** Options for {@link createMessageConnection}. */
export interface MessageConnectionOptions {
  readonly logger?: Logger;
}

/**
 * Wraps a connection with a codec. A frame that does not decode to a valid message aborts this
 * one connection (close reason `protocol-error`, the error attached) and logs the remote address
 * and the reason; nothing is thrown.
 */
export function createMessageConnection<T>(
  connection: Connection,
  codec: Codec<T>,
  options: MessageConnectionOptions = {},
): MessageConnection<T> {
  const logger = options.logger ?? silentLogger;
  const events = new EventSet<MessageConnectionEvents<T>>();
  let protocolError: P2pError | undefined;

  connection.on("message", (payload) => {
    if (protocolError !== undefined) return;
    const decoded = codec.decode(payload);
    if (!decoded.ok) {
      protocolError = decoded.error;
      logger.warn("closing connection: bad message", {
        remoteAddress: connection.remoteAddress,
        code: decoded.error.code,
        reason: decoded.error.message,
      });
      connection.abort(decoded.error);
      return;
    }
    events.emit("message", decoded.value);
  });
  connection.on("drain", () => events.emit("drain"));
  connection.on("close", (info) => {
    events.emit(
      "close",
      protocolError === undefined ? info : { reason: "protocol-error", error: protocolError },
    );
    events.clear();
  });

  return {
    connection,
    localAddress: connection.localAddress,
    remoteAddress: connection.remoteAddress,
    get state() {
      return connection.state;
    },
    send: (message) => connection.send(codec.encode(message)),
    close: () => connection.close(),
    abort: (error) => connection.abort(error),
    on: (event, listener) => events.on(event, listener),
  };
}
