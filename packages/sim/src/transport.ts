import type { Connection, DialOptions, Listener, Transport } from "@p2p/wire";
import { P2pError } from "@p2p/wire";
import { hostOf, portOf } from "./address.js";
import type { SimErrorCode } from "./errors.js";
import { type ConnectionPool, SimConnection } from "./sim-connection.js";
import type { SimulationCore } from "./simulation.js";

/** The stream transports of one simulation. */
export interface TransportNetwork {
  transport(owner: string): Transport;
  /** Re-examines connections and listeners after a crash, restart or partition change. */
  faultsChanged(): void;
  /** Connections not yet closed, both ends counted. */
  readonly openConnections: number;
}

const FIRST_EPHEMERAL_PORT = 49152;
const LAST_PORT = 65535;

interface BoundListener {
  readonly address: string;
  readonly owner: string;
  readonly ids: readonly string[];
  readonly incarnation: number;
  readonly onConnection: (connection: Connection) => void;
}

function unique(values: readonly string[]): readonly string[] {
  return [...new Set(values)];
}

/** Creates the stream transport layer over the simulation core. */
export function createTransportNetwork(core: SimulationCore): TransportNetwork {
  const { config } = core;
  const pool: ConnectionPool = {
    core,
    usedPorts: new Set<string>(),
    live: new Set<SimConnection>(),
    openConnections: 0,
  };
  const { usedPorts, live } = pool;
  const listeners = new Map<string, BoundListener>();
  const nextPort = new Map<string, number>();
  const transports = new Map<string, Transport>();

  function allocatePort(host: string): number {
    let port = nextPort.get(host) ?? FIRST_EPHEMERAL_PORT;
    for (let tries = 0; usedPorts.has(`${host}:${port}`); tries++) {
      if (tries > LAST_PORT)
        throw new P2pError<SimErrorCode>("PORTS_EXHAUSTED", `no free port left on ${host}`);
      port = port >= LAST_PORT ? 1024 : port + 1;
    }
    nextPort.set(host, port >= LAST_PORT ? 1024 : port + 1);
    return port;
  }

  function endpointIds(address: string, owner: string): readonly string[] {
    return unique([address, ...core.identities(owner), hostOf(address)]);
  }

  function pairIsCut(a: SimConnection): boolean {
    return core.isCut(a.ids, a.peer.ids) || core.isCut(a.peer.ids, a.ids);
  }

  function faultsChanged(): void {
    for (const [address, listener] of listeners) {
      if (!core.isUp(listener.ids) || core.incarnation(listener.ids) !== listener.incarnation) {
        listeners.delete(address);
        usedPorts.delete(address);
        core.trace(`listener-lost ${core.now()} ${address}`);
      }
    }
    const breakDelayMs = config.connectionBreakDelayMs;
    for (const connection of [...live]) {
      if (connection.isFinished) continue;
      const peer = connection.peer;
      if (!connection.isAlive()) {
        // The crashed end is gone without a word; the other end notices after the delay.
        connection.isBroken = true;
        peer.isBroken = true;
        connection.finish({ reason: "transport-error" }, true);
        if (peer.isAlive()) peer.breakAfter(breakDelayMs, `${connection.localAddress} crashed`);
        else peer.finish({ reason: "transport-error" }, true);
      } else if (!connection.isBroken && pairIsCut(connection)) {
        connection.isBroken = true;
        peer.isBroken = true;
        connection.breakAfter(breakDelayMs, "network partition");
        peer.breakAfter(breakDelayMs, "network partition");
      }
    }
  }

  function parseEndpoint(address: string, allowPortZero: boolean): { host: string; port: number } {
    const host = hostOf(address);
    const port = portOf(address);
    if (
      host === "" ||
      port === undefined ||
      !Number.isInteger(port) ||
      port > LAST_PORT ||
      (port === 0 && !allowPortZero)
    ) {
      throw new P2pError<SimErrorCode>(
        "ADDRESS_INVALID",
        `${JSON.stringify(address)} is not a host:port address`,
      );
    }
    return { host, port };
  }

  function transport(owner: string): Transport {
    const existing = transports.get(owner);
    if (existing !== undefined) return existing;
    const ownerHost = hostOf(owner);
    const ownerIds = core.identities(owner);

    const created: Transport = {
      async listen(address, onConnection) {
        const { host, port } = parseEndpoint(address, true);
        if (host !== ownerHost) {
          throw new P2pError<SimErrorCode>(
            "LISTEN_FAILED",
            `cannot listen on ${address}: this transport belongs to ${owner}`,
          );
        }
        if (!core.isUp(ownerIds)) {
          throw new P2pError<SimErrorCode>(
            "LISTEN_FAILED",
            `cannot listen on ${address}: ${owner} is down`,
          );
        }
        const bound = `${host}:${port === 0 ? allocatePort(host) : port}`;
        if (usedPorts.has(bound)) {
          throw new P2pError<SimErrorCode>(
            "LISTEN_FAILED",
            `cannot listen on ${bound}: address in use`,
          );
        }
        const ids = endpointIds(bound, owner);
        const entry: BoundListener = {
          address: bound,
          owner,
          ids,
          incarnation: core.incarnation(ids),
          onConnection,
        };
        listeners.set(bound, entry);
        usedPorts.add(bound);
        core.trace(`listen ${core.now()} ${bound}`);
        const listener: Listener = {
          address: bound,
          async close() {
            if (listeners.get(bound) !== entry) return;
            listeners.delete(bound);
            usedPorts.delete(bound);
            core.trace(`unlisten ${core.now()} ${bound}`);
          },
        };
        return listener;
      },

      dial(address, options: DialOptions = {}) {
        return new Promise<Connection>((resolve, reject) => {
          const target = parseEndpoint(address, false);
          const signal = options.signal;
          if (signal?.aborted === true) {
            throw new P2pError<SimErrorCode>("DIAL_ABORTED", `dial to ${address} was aborted`);
          }
          if (!core.isUp(ownerIds)) {
            throw new P2pError<SimErrorCode>(
              "DIAL_FAILED",
              `cannot connect to ${address}: ${owner} is down`,
            );
          }
          const local = `${ownerHost}:${allocatePort(ownerHost)}`;
          usedPorts.add(local);
          const localIds = endpointIds(local, owner);
          const targetIds = core.identities(address);
          const localIncarnation = core.incarnation(localIds);
          const dialId = `${local}>${address}`;
          let isPending = true;
          let accepted: SimConnection | undefined;

          const settle = (outcome: () => void): void => {
            if (!isPending) return;
            isPending = false;
            core.cancel(timeout);
            signal?.removeEventListener("abort", onAbort);
            outcome();
          };
          const fail = (error: P2pError): void => {
            settle(() => {
              if (accepted === undefined) usedPorts.delete(local);
              core.trace(`dial-failed ${core.now()} ${dialId} ${error.code}`);
              // An accepted but orphaned server end learns of it by a reset.
              if (accepted !== undefined && !accepted.isFinished)
                accepted.breakAfter(0, "dial abandoned");
              reject(error);
            });
          };
          const timeoutMs = options.timeoutMs ?? config.dialTimeoutMs;
          const timeout = core.schedule(core.now() + timeoutMs, () =>
            fail(
              new P2pError<SimErrorCode>(
                "DIAL_TIMEOUT",
                `no answer from ${address} within ${timeoutMs} ms`,
              ),
            ),
          );
          const onAbort = (): void =>
            fail(new P2pError<SimErrorCode>("DIAL_ABORTED", `dial to ${address} was aborted`));
          signal?.addEventListener("abort", onAbort);
          const clientAlive = (): boolean =>
            core.isUp(localIds) && core.incarnation(localIds) === localIncarnation;

          core.trace(`dial ${core.now()} ${dialId}`);
          // SYN: lost if the path is cut now; the dial then times out.
          if (core.isCut(localIds, targetIds)) return;
          const synArrival = core.now() + core.delay(core.link(localIds, targetIds));
          core.schedule(synArrival, () => {
            const listener = listeners.get(address);
            const replyLink = core.link(targetIds, localIds);
            const replyIsCut = core.isCut(targetIds, localIds);
            if (listener === undefined) {
              // The host answers with a reset if it is up; a crashed host says nothing.
              if (!core.isUp(core.identities(target.host)) || replyIsCut) return;
              core.schedule(core.now() + core.delay(replyLink), () => {
                if (clientAlive()) {
                  fail(
                    new P2pError<SimErrorCode>(
                      "DIAL_FAILED",
                      `cannot connect to ${address}: connection refused`,
                    ),
                  );
                }
              });
              return;
            }
            const client = new SimConnection(
              pool,
              dialId,
              local,
              address,
              localIds,
              localIncarnation,
              true,
            );
            const server = new SimConnection(
              pool,
              `${address}<${local}`,
              address,
              local,
              listener.ids,
              core.incarnation(listener.ids),
              false,
            );
            client.peer = server;
            server.peer = client;
            accepted = server;
            core.trace(`accept ${core.now()} ${dialId}`);
            if (!isPending) {
              server.breakAfter(0, "dial abandoned");
            } else if (replyIsCut) {
              client.isBroken = true;
              server.isBroken = true;
              server.breakAfter(config.connectionBreakDelayMs, "network partition");
            } else {
              // SYN-ACK travels in the server→client stream, so it precedes any frame the server sends.
              const arrival = Math.max(core.now() + core.delay(replyLink), server.lastArrival);
              server.lastArrival = arrival;
              core.schedule(arrival, () => {
                if (!isPending || !clientAlive()) {
                  if (!client.isFinished) client.finish({ reason: "transport-error" }, true);
                  return;
                }
                if (server.isBroken) return; // the dial times out
                settle(() => {
                  core.trace(`connected ${core.now()} ${dialId}`);
                  resolve(client);
                });
              });
            }
            listener.onConnection(server);
          });
        });
      },
    };
    transports.set(owner, created);
    return created;
  }

  return {
    transport,
    faultsChanged,
    get openConnections() {
      return pool.openConnections;
    },
  };
}
