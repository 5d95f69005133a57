// The registrants of the commit bench: real peer links (createLinks, role "peer") on TCP, each
// with its own Ed25519 identity, sending requests to the seeds and timing their answers.
import { randomBytes } from "node:crypto";
import { createServer } from "node:net";
import { createEphemeralIdentity, verifyEd25519 } from "@p2p/cli-support";
import { createLinks, createWireCodec, type Links, type WireMessage } from "@p2p/node";
import { signRequest } from "@p2p/quorum";
import { type Logger, systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";

/** A request without an answer in this time counts as failed. */
const REQUEST_TIMEOUT_MS = 10_000;

/** Fresh random bytes as a plain Uint8Array. */
export const nodeRandomBytes = (length: number): Uint8Array => new Uint8Array(randomBytes(length));

/** A logger that keeps every warning and error (to explain a failure) and drops the rest. */
export function collectingLogger(into: string[]): Logger {
  const keep = (message: string, fields?: Record<string, unknown>) => {
    if (into.length < 1000) {
      into.push(`${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`);
    }
  };
  return { debug() {}, info() {}, warn: keep, error: keep };
}

/** Free TCP ports on 127.0.0.1 (bound to port 0, read, released). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

/** A listening peer that registers itself: its links, its address and its requests. */
export interface Registrant {
  readonly address: string;
  /** Its Ed25519 identity key (hex), registered with its record. */
  readonly key: string;
  /** Signs with that key (every register and update carries the signed request). */
  sign(bytes: Uint8Array): Uint8Array;
  readonly links: Links<WireMessage>;
  /** The seed it registered with (and updates over the same link). */
  seed: string;
  /** Sends a request and resolves with whether its answer was ok, and how long it took. */
  request(
    to: string,
    build: (requestId: string) => WireMessage,
  ): Promise<{ ok: boolean; ms: number; error?: string }>;
}

/** A peer listening on `address` with a fresh identity, its links knowing the pinned seeds. */
export async function createRegistrant(
  address: string,
  seeds: readonly { address: string; key: string }[],
  logger: Logger,
): Promise<Registrant> {
  const identity = createEphemeralIdentity();
  const links = createLinks<WireMessage>({
    self: address,
    role: "peer",
    transport: createTcpTransport(),
    clock: systemClock,
    codec: createWireCodec(),
    logger,
    identity,
    seeds,
    verify: verifyEd25519,
    crypto: nodeNoiseCrypto,
    randomBytes: nodeRandomBytes,
  });
  await links.listen();
  const waiting = new Map<string, (ok: boolean, error?: string) => void>();
  links.on("message", (_from, message) => {
    if (
      message.type === "quorum.register-response" ||
      message.type === "quorum.operation-response"
    ) {
      const isOwn = message.record?.address === address;
      waiting.get(message.requestId)?.(
        message.ok && isOwn,
        message.error === null ? undefined : `${message.error.code}: ${message.error.message}`,
      );
    }
  });
  let sequence = 0;
  return {
    address,
    key: identity.publicKey,
    sign: identity.sign,
    links,
    seed: "",
    request(to, build) {
      const requestId = `r${sequence++}`;
      const started = performance.now();
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          waiting.delete(requestId);
          resolve({ ok: false, ms: performance.now() - started, error: "no answer in time" });
        }, REQUEST_TIMEOUT_MS);
        waiting.set(requestId, (ok, error) => {
          clearTimeout(timer);
          waiting.delete(requestId);
          resolve({
            ok,
            ms: performance.now() - started,
            ...(error === undefined ? {} : { error }),
          });
        });
        links.send(to, build(requestId));
      });
    },
  };
}

/** The registrant's signed register-request for its own address (a new record, no neighbours). */
export function registerRequest(registrant: Registrant, requestId: string): WireMessage {
  return {
    type: "quorum.register-request",
    requestId,
    address: registrant.address,
    publicKey: registrant.key,
    neighbours: [],
    proof: signRequest(
      {
        kind: "register",
        address: registrant.address,
        publicKey: registrant.key,
        incarnation: null,
        neighbours: [],
        requestId,
      },
      registrant.sign,
    ),
  };
}

/** The registrant's signed update of its own neighbour list (incarnation 0). */
export function updateNeighboursRequest(
  registrant: Registrant,
  neighbours: readonly string[],
  requestId: string,
): WireMessage {
  return {
    type: "quorum.update-neighbours",
    requestId,
    address: registrant.address,
    neighbours: [...neighbours],
    proof: signRequest(
      {
        kind: "neighbours",
        address: registrant.address,
        publicKey: registrant.key,
        incarnation: 0,
        neighbours: [...neighbours],
        requestId,
      },
      registrant.sign,
    ),
  };
}
