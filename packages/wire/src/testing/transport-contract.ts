import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { P2pError } from "../errors.js";
import type { CloseInfo, Connection, Listener, Transport } from "../transport.js";

/**
 * What a transport implementation provides to run the contract suite against it.
 * Every promise the suite waits on goes through `settle`, and the suite arms no real timer,
 * so a virtual-time transport can drive its simulation from `settle`.
 */
export interface TransportHarness {
  /** One endpoint per host. */
  transport(host: string): Transport;
  /** The host of endpoint `index`: e.g. "127.0.0.1" for TCP, "10.0.0.<index+1>" for memory/sim. */
  host(index: number): string;
  /** Where endpoint `host` listens: e.g. "127.0.0.1:0"; a simulation may use "10.0.0.1:7000". */
  listenAddress(host: string): string;
  /** Real transports return the promise; a virtual-time transport advances until it settles. */
  settle<T>(promise: Promise<T>): Promise<T>;
  /** Releases everything the harness holds. */
  dispose(): Promise<void>;
}

interface Accepting {
  readonly listener: Listener;
  /** The next inbound connection (in accept order). */
  next(): Promise<Connection>;
  readonly accepted: Connection[];
}

function bytes(text: string): Uint8Array {
  return new TextEncoder().encode(text);
}

function text(payload: Uint8Array): string {
  return new TextDecoder().decode(payload);
}

/** Frame `index` of a numbered stream: 4-byte index, then a pattern of varying length. */
function numberedFrame(index: number, salt: number): Uint8Array {
  const length = 4 + ((index * 131 + salt) % 1500);
  const frame = new Uint8Array(length);
  new DataView(frame.buffer).setUint32(0, index, false);
  for (let i = 4; i < length; i++) frame[i] = (index + i + salt) & 0xff;
  return frame;
}

/** The index of a numbered frame, or -1 when its content is not what `numberedFrame` made. */
function checkNumberedFrame(frame: Uint8Array, salt: number): number {
  if (frame.byteLength < 4) return -1;
  const index = new DataView(frame.buffer, frame.byteOffset, frame.byteLength).getUint32(0, false);
  const expected = numberedFrame(index, salt);
  if (expected.byteLength !== frame.byteLength) return -1;
  for (let i = 0; i < frame.byteLength; i++) if (expected[i] !== frame[i]) return -1;
  return index;
}

function closeEvent(connection: Connection): Promise<CloseInfo> {
  return new Promise((resolve) => {
    connection.on("close", resolve);
  });
}

function drainEvent(connection: Connection): Promise<void> {
  return new Promise((resolve, reject) => {
    const offDrain = connection.on("drain", () => {
      offClose();
      resolve();
    });
    const offClose = connection.on("close", (info) => {
      offDrain();
      reject(new Error(`closed (${info.reason}) while waiting for drain`));
    });
  });
}

/** Collects messages; `done` resolves once `count` have arrived and rejects if the connection closes first. */
function collect(connection: Connection, count: number) {
  const messages: Uint8Array[] = [];
  let resolveDone: (messages: Uint8Array[]) => void = () => {};
  let rejectDone: (error: Error) => void = () => {};
  const done = new Promise<Uint8Array[]>((resolve, reject) => {
    resolveDone = resolve;
    rejectDone = reject;
  });
  connection.on("message", (payload) => {
    messages.push(payload.slice());
    if (messages.length === count) resolveDone(messages);
  });
  connection.on("close", (info) => {
    if (messages.length < count) {
      rejectDone(new Error(`closed (${info.reason}) after ${messages.length}/${count} messages`));
    }
  });
  if (count === 0) resolveDone(messages);
  return { messages, done };
}

/** Sends every frame, waiting for `drain` whenever `send` reports backpressure. */
async function sendAll(connection: Connection, frames: readonly Uint8Array[]): Promise<void> {
  for (const frame of frames) {
    if (!connection.send(frame)) await drainEvent(connection);
  }
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  );
}

function expectClosedError(action: () => unknown): void {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(
    P2pError.is(thrown, "CONNECTION_CLOSED"),
    `expected CONNECTION_CLOSED, got ${String(thrown)}`,
  ).toBe(true);
}

/**
 * The contract every {@link Transport} passes (memory, TCP, simulation). Registers a vitest
 * `describe` block named after the transport. Inbound connections must be handed to
 * `onConnection` before any of their frames is delivered, so listeners attached synchronously
 * there see every frame.
 */
export function runTransportContract(
  name: string,
  createHarness: () => TransportHarness | Promise<TransportHarness>,
): void {
  describe(`transport contract: ${name}`, () => {
    let harness: TransportHarness;
    let connections: Connection[] = [];
    let listeners: Listener[] = [];

    beforeEach(async () => {
      harness = await createHarness();
      connections = [];
      listeners = [];
    });

    afterEach(async () => {
      for (const connection of connections) connection.abort();
      for (const listener of listeners) await harness.settle(listener.close());
      await harness.dispose();
    });

    async function listen(
      hostIndex: number,
      onInbound: (connection: Connection) => void = () => {},
    ): Promise<Accepting> {
      const host = harness.host(hostIndex);
      const accepted: Connection[] = [];
      const waiting: Array<(connection: Connection) => void> = [];
      let taken = 0;
      const listener = await harness.settle(
        harness.transport(host).listen(harness.listenAddress(host), (connection) => {
          accepted.push(connection);
          connections.push(connection);
          onInbound(connection);
          waiting.shift()?.(connection);
        }),
      );
      listeners.push(listener);
      return {
        listener,
        accepted,
        next() {
          const index = taken++;
          const ready = accepted[index];
          if (ready !== undefined) return Promise.resolve(ready);
          return new Promise((resolve) => waiting.push(resolve));
        },
      };
    }

    async function dial(hostIndex: number, address: string): Promise<Connection> {
      const connection = await harness.settle(
        harness.transport(harness.host(hostIndex)).dial(address),
      );
      connections.push(connection);
      return connection;
    }

    async function connectedPair(): Promise<{
      server: Accepting;
      client: Connection;
      inbound: Connection;
    }> {
      const server = await listen(0);
      const client = await dial(1, server.listener.address);
      const inbound = await harness.settle(server.next());
      return { server, client, inbound };
    }

    it("listens, dials and exchanges frames both ways", async () => {
      const { server, client, inbound } = await connectedPair();
      expect(client.state).toBe("open");
      expect(inbound.state).toBe("open");
      expect(client.remoteAddress).toBe(server.listener.address);
      expect(inbound.localAddress).toBe(server.listener.address);
      expect(inbound.remoteAddress).toBe(client.localAddress);

      const atServer = collect(inbound, 2);
      const atClient = collect(client, 1);
      client.send(bytes("hello"));
      client.send(bytes("again"));
      expect((await harness.settle(atServer.done)).map(text)).toEqual(["hello", "again"]);
      inbound.send(bytes("welcome"));
      expect((await harness.settle(atClient.done)).map(text)).toEqual(["welcome"]);
    });

    it("delivers thousands of frames whole, in order, once, both ways, respecting backpressure", async () => {
      const { client, inbound } = await connectedPair();
      const count = 3000;
      const toServer = Array.from({ length: count }, (_, index) => numberedFrame(index, 1));
      const toClient = Array.from({ length: count }, (_, index) => numberedFrame(index, 2));
      const atServer = collect(inbound, count);
      const atClient = collect(client, count);
      await harness.settle(
        Promise.all([
          sendAll(client, toServer),
          sendAll(inbound, toClient),
          atServer.done,
          atClient.done,
        ]),
      );
      expect(atServer.messages.map((frame) => checkNumberedFrame(frame, 1))).toEqual(
        toServer.map((_, index) => index),
      );
      expect(atClient.messages.map((frame) => checkNumberedFrame(frame, 2))).toEqual(
        toClient.map((_, index) => index),
      );
    });

    it("close() flushes queued frames, then closes both sides once", async () => {
      const { client, inbound } = await connectedPair();
      const events: string[] = [];
      inbound.on("message", (payload) => events.push(`message ${checkNumberedFrame(payload, 3)}`));
      const serverClosed = closeEvent(inbound);
      inbound.on("close", (info) => events.push(`close ${info.reason}`));
      const clientClosed = closeEvent(client);
      const count = 200;
      for (let index = 0; index < count; index++) client.send(numberedFrame(index, 3));
      const closing = client.close();
      expect(client.state).not.toBe("open");
      expectClosedError(() => client.send(bytes("late")));
      await harness.settle(closing);
      expect(client.state).toBe("closed");
      expect((await harness.settle(clientClosed)).reason).toBe("local-close");
      expect((await harness.settle(serverClosed)).reason).toBe("remote-close");
      expect(inbound.state).toBe("closed");
      expect(events).toEqual([
        ...Array.from({ length: count }, (_, index) => `message ${index}`),
        "close remote-close",
      ]);
    });

    it("abort() closes at once, with the error, and the remote sees the end", async () => {
      const { client, inbound } = await connectedPair();
      const clientClosed = closeEvent(client);
      const serverClosed = closeEvent(inbound);
      const failure = new P2pError("TEST_ABORT", "aborted by the contract suite");
      client.abort(failure);
      expect(client.state).toBe("closed");
      expectClosedError(() => client.send(bytes("late")));
      const local = await harness.settle(clientClosed);
      expect(local.reason).toBe("local-abort");
      expect(local.error).toBe(failure);
      const remote = await harness.settle(serverClosed);
      expect(["remote-close", "transport-error"]).toContain(remote.reason);
      expect(inbound.state).toBe("closed");
      expectClosedError(() => inbound.send(bytes("late")));
    });

    it("emits close exactly once per side, whatever is called afterwards", async () => {
      const { server, client, inbound } = await connectedPair();
      const clientReasons: string[] = [];
      const serverReasons: string[] = [];
      client.on("close", (info) => clientReasons.push(info.reason));
      inbound.on("close", (info) => serverReasons.push(info.reason));
      const clientClosed = closeEvent(client);
      await harness.settle(inbound.close());
      await harness.settle(clientClosed);
      await harness.settle(inbound.close());
      inbound.abort();
      client.abort();
      await harness.settle(client.close());
      // A full round trip on another connection lets any stray event arrive.
      const other = await dial(1, server.listener.address);
      const otherInbound = await harness.settle(server.next());
      const echoed = collect(other, 1);
      otherInbound.on("message", (payload) => otherInbound.send(payload));
      other.send(bytes("ping"));
      await harness.settle(echoed.done);
      expect(serverReasons).toEqual(["local-close"]);
      expect(clientReasons).toEqual(["remote-close"]);
      expectClosedError(() => client.send(bytes("late")));
      expectClosedError(() => inbound.send(bytes("late")));
    });

    it("refuses an empty frame as a caller mistake", async () => {
      const { client } = await connectedPair();
      expect(() => client.send(new Uint8Array(0))).toThrow(P2pError);
      let thrown: unknown;
      try {
        client.send(new Uint8Array(0));
      } catch (error) {
        thrown = error;
      }
      expect(P2pError.is(thrown, "FRAME_EMPTY")).toBe(true);
      expect(client.state).toBe("open");
    });

    it("fails a dial to an address with no listener with a P2pError", async () => {
      const server = await listen(0);
      const address = server.listener.address;
      await harness.settle(server.listener.close());
      const failure = await harness.settle(
        rejection(harness.transport(harness.host(1)).dial(address)),
      );
      expect(P2pError.is(failure), `expected a P2pError, got ${String(failure)}`).toBe(true);
    });

    it("a closed listener refuses new dials while existing connections live on", async () => {
      const { server, client, inbound } = await connectedPair();
      await harness.settle(server.listener.close());
      const failure = await harness.settle(
        rejection(harness.transport(harness.host(2)).dial(server.listener.address)),
      );
      expect(P2pError.is(failure), `expected a P2pError, got ${String(failure)}`).toBe(true);
      expect(server.accepted).toHaveLength(1);
      const atServer = collect(inbound, 1);
      const atClient = collect(client, 1);
      client.send(bytes("still here"));
      inbound.send(bytes("me too"));
      expect((await harness.settle(atServer.done)).map(text)).toEqual(["still here"]);
      expect((await harness.settle(atClient.done)).map(text)).toEqual(["me too"]);
    });

    it("serves many concurrent connections on one listener", async () => {
      const server = await listen(0, (inbound) => {
        inbound.on("message", (payload) => inbound.send(payload));
      });
      const count = 48;
      const clients = await harness.settle(
        Promise.all(
          Array.from({ length: count }, (_, index) =>
            harness.transport(harness.host(1 + (index % 4))).dial(server.listener.address),
          ),
        ),
      );
      connections.push(...clients);
      const replies = clients.map((client, index) => {
        const reply = collect(client, 1);
        client.send(bytes(`client ${index}`));
        return reply.done.then((messages) => messages.map(text));
      });
      const answered = await harness.settle(Promise.all(replies));
      expect(answered).toEqual(Array.from({ length: count }, (_, index) => [`client ${index}`]));
      expect(server.accepted).toHaveLength(count);
      expect(new Set(clients.map((client) => client.localAddress)).size).toBe(count);
    });
  });
}
