import {
  type Connection,
  createMessageConnection,
  type LinkIdentity,
  type Listener,
  type MessageConnection,
  type NoiseKeyPair,
  noiseKeyPair,
  P2pError,
  secureConnection,
  verifyIdentitySignature,
} from "@p2p/wire";
import type { NodeErrorCode } from "./errors.js";
import type {
  LinkControlMessage,
  LinkPeer,
  Links,
  LinksEvents,
  LinksOptions,
} from "./link-types.js";
import { awaitAdmission, isControl, isRefusal } from "./links-admission.js";

interface LinkState {
  readonly connections: Set<Connection>;
  readonly identityKey: string;
}

/**
 * Messages, and plaintext bytes, an inbound connection may send while its address is being
 * proven. A dialer of this library sends nothing before `node.admitted`, so only a stray or
 * hostile dialer ever fills this.
 */
const MAX_PENDING_MESSAGES = 256;
const MAX_PENDING_BYTES = 1_048_576;

const defaultRandomBytes = (length: number): Uint8Array =>
  globalThis.crypto.getRandomValues(new Uint8Array(length));

/** Creates {@link Links}. */
export function createLinks<T extends { type: string }>(options: LinksOptions<T>): Links<T> {
  const { self, role, transport, codec, logger, clock, identity } = options;
  const maxQueued = options.maxQueuedPerAddress ?? 1024;
  const dialTimeoutMs = options.dialTimeoutMs ?? 3000;
  const handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5000;
  /** A listener proves a dialer with one dial and one handshake before it admits it. */
  const admitTimeoutMs = dialTimeoutMs + 2 * handshakeTimeoutMs;
  const verify = options.verify ?? verifyIdentitySignature;
  const randomBytes = options.randomBytes ?? defaultRandomBytes;
  const pinned = new Map((options.seeds ?? []).map((seed) => [seed.address, seed.key]));
  const staticKey: NoiseKeyPair = noiseKeyPair(randomBytes(32), options.crypto);
  const links = new Map<string, LinkState>();
  const dialing = new Map<string, Promise<boolean>>();
  const proving = new Map<string, Promise<boolean>>();
  const proven = new Map<string, string>(pinned);
  const queues = new Map<string, Uint8Array[]>();
  const allConnections = new Set<Connection>();
  const listeners: { [E in keyof LinksEvents<T>]: Set<LinksEvents<T>[E]> } = {
    message: new Set(),
    "link-up": new Set(),
    "link-down": new Set(),
    "dial-refused": new Set(),
  };
  let listener: Listener | undefined;
  let isClosed = false;
  const counts = { handshakesCompleted: 0, handshakesFailed: 0 };
  const refusedCounts: Record<string, number> = {};

  const emitMessage = (from: LinkPeer, message: T): void => {
    for (const handler of listeners.message) handler(from, message);
  };

  const pick = (address: string): Connection | undefined => {
    const state = links.get(address);
    if (state === undefined) return undefined;
    // The oldest open one: a later connection may be a dial-back proof, closed right away.
    for (const connection of state.connections) if (connection.state === "open") return connection;
    return undefined;
  };

  const attach = (connection: Connection, peer: LinkPeer): void => {
    let state = links.get(peer.address);
    if (state !== undefined && state.identityKey !== peer.identityKey) {
      // The address proved a new key (the node restarted with another identity): drop the old.
      for (const old of [...state.connections]) old.abort();
      state = links.get(peer.address);
    }
    const isNew = state === undefined || state.connections.size === 0;
    if (state === undefined) {
      state = { connections: new Set(), identityKey: peer.identityKey };
      links.set(peer.address, state);
    }
    state.connections.add(connection);
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

  /** Runs the handshake on `connection`; `dialled` is set for outbound connections. */
  const handshake = (
    connection: Connection,
    dialled: string | undefined,
    onEstablished: (peer: LinkIdentity, secure: Connection) => void,
    onFailed: (error: P2pError) => void,
  ): void => {
    allConnections.add(connection);
    connection.on("close", () => allConnections.delete(connection));
    const expected = dialled === undefined ? undefined : pinned.get(dialled);
    secureConnection(
      {
        connection,
        clock,
        handshake: {
          isInitiator: dialled !== undefined,
          self,
          role,
          timeoutMs: handshakeTimeoutMs,
          ...(dialled === undefined ? {} : { dialled }),
          ...(expected === undefined ? {} : { expectedIdentityKey: expected }),
        },
        identity,
        verify,
        staticKey,
        randomBytes,
        ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
      },
      {
        established: (peer, secure) => {
          counts.handshakesCompleted += 1;
          onEstablished(peer, secure);
        },
        failed: (error) => {
          counts.handshakesFailed += 1;
          onFailed(error);
        },
      },
    );
  };

  /** Why a proven identity may not hold a link of its claimed role, or undefined. */
  const roleProblem = (peer: LinkIdentity, isInbound: boolean): string | undefined => {
    const pinnedKey = pinned.get(peer.address);
    if (pinnedKey !== undefined) {
      if (peer.role !== "seed") return `${peer.address} is a pinned seed, not a ${peer.role}`;
      if (peer.identityKey !== pinnedKey)
        return `${peer.address} did not prove its pinned seed key`;
      return undefined;
    }
    if (peer.role === "seed")
      return `${peer.address} claims the seed role but is not a pinned seed`;
    if (peer.role === "client" && !isInbound) return `${peer.address} answered as a client`;
    return undefined;
  };

  /** Dials `address` only to see that the listener there proves `key`; closes it again. */
  const prove = (address: string, key: string): Promise<boolean> => {
    const id = `${address} ${key}`;
    const pending = proving.get(id);
    if (pending !== undefined) return pending;
    const attempt = (async () => {
      try {
        const connection = await transport.dial(address, { timeoutMs: dialTimeoutMs });
        return await new Promise<boolean>((resolve) => {
          handshake(
            connection,
            address,
            (peer, secure) => {
              const isProof = peer.identityKey === key && roleProblem(peer, false) === undefined;
              if (isProof) proven.set(address, key);
              void secure.close();
              resolve(isProof);
            },
            () => resolve(false),
          );
        });
      } catch {
        return false;
      } finally {
        proving.delete(id);
      }
    })();
    proving.set(id, attempt);
    return attempt;
  };

  /** Logs a refusal, tells the other end why (sealed), and closes the connection. */
  const refuse = (
    messages: MessageConnection<T | LinkControlMessage>,
    claimed: string,
    code: NodeErrorCode,
    reason: string,
  ): void => {
    refusedCounts[code] = (refusedCounts[code] ?? 0) + 1;
    logger.warn(`refused a link from ${claimed}: ${code}: ${reason}`, {
      remote: messages.remoteAddress,
    });
    try {
      messages.send({ type: "node.refused", code, reason });
    } catch {
      // already closed
    }
    void messages.close();
  };

  /** Serves one proven connection: messages go up, a refusal from the other end is logged. */
  const serve = (messages: MessageConnection<T | LinkControlMessage>, peer: LinkPeer): void => {
    messages.on("message", (message) => deliver(peer, message));
    messages.on("close", (info) => {
      if (info.reason === "protocol-error" && info.error !== undefined) {
        logger.warn(`connection closed: ${info.error.message}`, { remote: peer.address });
      }
      detach(messages.connection, peer.address);
    });
  };

  const deliver = (peer: LinkPeer, message: T | LinkControlMessage): void => {
    if (!isControl(message)) {
      emitMessage(peer, message);
      return;
    }
    if (isRefusal(message)) {
      logger.warn(`${peer.address} refused this link: ${message.code}: ${message.reason}`);
    }
    // `node.admitted` is awaited in `dial`; a repeat is ignored.
  };

  /** An inbound connection: handshake, then admit the claimed address only once it is proven. */
  const accept = (connection: Connection): void => {
    handshake(
      connection,
      undefined,
      (identity, secure) => {
        const messages = createMessageConnection(secure, codec, { logger });
        const pending: (T | LinkControlMessage)[] = [];
        let isAdmitted = false;
        let pendingBytes = 0;
        const stopCounting = secure.on("message", (plaintext) => {
          pendingBytes += plaintext.length;
        });
        const stopBuffering = messages.on("message", (message) => {
          if (isAdmitted) return;
          pending.push(message);
          if (pending.length > MAX_PENDING_MESSAGES || pendingBytes > MAX_PENDING_BYTES) {
            refuse(messages, identity.address, "TOO_MANY_MESSAGES", "too much before the proof");
          }
        });
        const admit = (peer: LinkPeer): void => {
          if (messages.state !== "open") return;
          isAdmitted = true;
          stopBuffering();
          stopCounting();
          try {
            messages.send({ type: "node.admitted" });
          } catch {
            return; // closed meanwhile
          }
          serve(messages, peer);
          const ownDial = dialing.get(peer.address);
          if (ownDial === undefined) attach(secure, peer);
          else {
            // Most likely the proof of our own dial (closed by the other end right after its
            // handshake): attach it only after that dial, so our queue goes over the dial.
            void ownDial.then(() => {
              if (secure.state === "open") attach(secure, peer);
            });
          }
          for (const message of pending.splice(0)) deliver(peer, message);
        };
        if (identity.role === "client") {
          const label = `client/${identity.identityKey.slice(0, 16)}/${connection.remoteAddress}`;
          admit({ address: label, role: "client", identityKey: identity.identityKey });
          return;
        }
        const problem = roleProblem(identity, true);
        if (problem !== undefined) {
          refuse(messages, identity.address, "ROLE_REFUSED", problem);
          return;
        }
        const peer: LinkPeer = { ...identity };
        if (proven.get(identity.address) === identity.identityKey) {
          admit(peer);
          return;
        }
        void prove(identity.address, identity.identityKey).then((isProven) => {
          if (isProven) admit(peer);
          else {
            refuse(
              messages,
              identity.address,
              "ADDRESS_NOT_PROVEN",
              `nothing at ${identity.address} proved the key ${identity.identityKey.slice(0, 16)}…`,
            );
          }
        });
      },
      (error) =>
        logger.warn(`closing connection: ${error.message}`, { remote: connection.remoteAddress }),
    );
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
        return await new Promise<boolean>((resolve) => {
          handshake(
            connection,
            address,
            (identity, secure) => {
              const messages = createMessageConnection(secure, codec, { logger });
              const problem = roleProblem(identity, false);
              if (problem !== undefined) {
                refuse(messages, address, "ROLE_REFUSED", problem);
                resolve(false);
                return;
              }
              proven.set(address, identity.identityKey);
              const peer: LinkPeer = { ...identity };
              // Nothing is sent (the queue waits) until the listener has proven this end.
              const admission = { clock, logger, timeoutMs: admitTimeoutMs };
              awaitAdmission(messages, address, admission, (isAdmitted) => {
                if (isAdmitted && !isClosed) attach(secure, peer);
                resolve(isAdmitted && !isClosed);
              });
              serve(messages, peer);
            },
            (error) => {
              logger.warn(`link to ${address} failed: ${error.message}`);
              resolve(false);
            },
          );
        });
      } catch (error) {
        logger.debug("dial failed", {
          to: address,
          error: P2pError.is(error) ? error.message : String(error),
        });
        if (P2pError.is(error) && error.code === "DIAL_FAILED") {
          for (const handler of listeners["dial-refused"]) handler(address);
        }
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
        accept(connection);
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
      if (to.startsWith("client/")) return; // a client that went away: nothing to dial
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
    provenKey: (address) => proven.get(address),
    on,
    stats: () => ({ ...counts, refused: { ...refusedCounts }, connected: links.size }),
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
