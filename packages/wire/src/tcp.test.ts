import { connect } from "node:net";
import { Worker } from "node:worker_threads";
import { describe, expect, it } from "vitest";
import { P2pError } from "./errors.js";
import type { LogFields, Logger } from "./logger.js";
import { createTcpTransport } from "./tcp.js";
import { runTransportContract } from "./testing/transport-contract.js";
import type { CloseInfo, Connection } from "./transport.js";

runTransportContract("tcp", () => {
  const transport = createTcpTransport();
  return {
    transport: () => transport,
    host: () => "127.0.0.1",
    listenAddress: (host) => `${host}:0`,
    settle: (promise) => promise,
    dispose: async () => {},
  };
});

function recordingLogger(): Logger & {
  lines: Array<{ level: string; message: string; fields?: LogFields }>;
} {
  const lines: Array<{ level: string; message: string; fields?: LogFields }> = [];
  const record = (level: string) => (message: string, fields?: LogFields) => {
    lines.push(fields === undefined ? { level, message } : { level, message, fields });
  };
  return {
    lines,
    debug: record("debug"),
    info: record("info"),
    warn: record("warn"),
    error: record("error"),
  };
}

function closed(connection: Connection): Promise<CloseInfo> {
  return new Promise((resolve) => connection.on("close", resolve));
}

describe("tcp transport", () => {
  it("exchanges 100,000 messages each way with none lost, duplicated or reordered", async () => {
    const transport = createTcpTransport();
    const count = 100_000;
    const inbound: Connection[] = [];
    const listener = await transport.listen("127.0.0.1:0", (connection) => {
      inbound.push(connection);
    });
    const client = await transport.dial(listener.address);
    while (inbound.length === 0) await new Promise((resolve) => setImmediate(resolve));
    const server = inbound[0] as Connection;

    function receiver(connection: Connection) {
      let next = 0;
      let errors = 0;
      const done = new Promise<void>((resolve) => {
        connection.on("message", (payload) => {
          const view = new DataView(payload.buffer, payload.byteOffset, payload.byteLength);
          if (
            payload.byteLength !== 8 ||
            view.getUint32(0) !== next ||
            view.getUint32(4) !== (next ^ 0x5a5a5a5a) >>> 0
          ) {
            errors += 1;
          }
          next += 1;
          if (next === count) resolve();
        });
      });
      return { done, counts: () => ({ received: next, errors }) };
    }

    async function sender(connection: Connection): Promise<number> {
      let waits = 0;
      for (let index = 0; index < count; index++) {
        const payload = new Uint8Array(8);
        const view = new DataView(payload.buffer);
        view.setUint32(0, index);
        view.setUint32(4, (index ^ 0x5a5a5a5a) >>> 0);
        if (!connection.send(payload)) {
          waits += 1;
          await new Promise<void>((resolve) => connection.on("drain", resolve));
        }
      }
      return waits;
    }

    const atServer = receiver(server);
    const atClient = receiver(client);
    const [clientWaits, serverWaits] = await Promise.all([
      sender(client),
      sender(server),
      atServer.done,
      atClient.done,
    ]);
    // 1.2 MB sent in one synchronous burst crosses the 256 KiB high-water mark: backpressure was used.
    expect(clientWaits).toBeGreaterThan(0);
    expect(serverWaits).toBeGreaterThan(0);
    expect(atServer.counts()).toEqual({ received: count, errors: 0 });
    expect(atClient.counts()).toEqual({ received: count, errors: 0 });
    await client.close();
    await listener.close();
  });

  it("disconnects a client that sends garbage, logs why, and keeps serving others", async () => {
    const logger = recordingLogger();
    const transport = createTcpTransport({ logger, maxFrameBytes: 1024 });
    const inbound: Connection[] = [];
    const closes: Array<Promise<CloseInfo>> = [];
    const listener = await transport.listen("127.0.0.1:0", (connection) => {
      inbound.push(connection);
      closes.push(closed(connection));
      connection.on("message", (payload) => connection.send(payload));
    });
    const good = await transport.dial(listener.address);
    const port = Number(listener.address.split(":")[1]);
    const garbage = connect({ host: "127.0.0.1", port });
    await new Promise<void>((resolve) => garbage.once("connect", () => resolve()));
    const garbagePort = garbage.localPort;
    const garbageEnded = new Promise<void>((resolve) => garbage.once("close", () => resolve()));
    garbage.on("error", () => {});
    garbage.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
    await garbageEnded;
    const infos = await Promise.all(closes.slice(1));
    expect(infos[0]?.reason).toBe("protocol-error");
    expect(P2pError.is(infos[0]?.error, "FRAME_TOO_LARGE")).toBe(true);
    const warning = logger.lines.find((line) => line.message.includes("protocol error"));
    expect(warning?.fields?.remoteAddress).toBe(`127.0.0.1:${garbagePort}`);
    expect(String(warning?.fields?.reason)).toMatch(/exceeds the limit of 1024 bytes/);

    const echoed = new Promise<string>((resolve) =>
      good.on("message", (payload) => resolve(new TextDecoder().decode(payload))),
    );
    good.send(new TextEncoder().encode("still served"));
    expect(await echoed).toBe("still served");
    expect(good.state).toBe("open");
    await good.close();
    await listener.close();
  });

  it("lets timers and other connections run between the frames of a burst that is slow to handle", async () => {
    const transport = createTcpTransport();
    const handled: number[] = [];
    let handledWhenTimerRan: number | undefined;
    const allHandled = new Promise<void>((resolve) => {
      void transport
        .listen("127.0.0.1:0", (connection) => {
          connection.on("message", (payload) => {
            if (handled.length === 0) {
              setTimeout(() => {
                handledWhenTimerRan = handled.length;
              }, 0);
            }
            handled.push(payload[0] as number);
            // A handler that takes 5 ms (a host short of CPU, cold code, a big message).
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
            if (handled.length === 40) resolve();
          });
        })
        .then((listener) => {
          const port = Number(listener.address.split(":")[1]);
          const raw = connect({ host: "127.0.0.1", port }, () => {
            // 40 frames in one write: they arrive together and decode in one go.
            const frames = Array.from({ length: 40 }, (_, index) =>
              Buffer.from([0, 0, 0, 1, index]),
            );
            raw.write(Buffer.concat(frames));
          });
          raw.on("error", () => {});
          void allHandled.then(() => {
            raw.destroy();
            void listener.close();
          });
        });
    });
    await allHandled;
    expect(handled).toEqual(Array.from({ length: 40 }, (_, index) => index));
    // The timer that fell due at the first frame ran before the last one was handled.
    expect(handledWhenTimerRan).toBeDefined();
    expect(handledWhenTimerRan).toBeLessThan(40);
  });

  it("hands up every frame of a slow burst before the close that followed it", async () => {
    const transport = createTcpTransport();
    const handled: number[] = [];
    const closedAfter = new Promise<number>((resolve) => {
      void transport
        .listen("127.0.0.1:0", (connection) => {
          connection.on("message", (payload) => {
            handled.push(payload[0] as number);
            Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
          });
          connection.on("close", () => resolve(handled.length));
        })
        .then((listener) => {
          const port = Number(listener.address.split(":")[1]);
          const raw = connect({ host: "127.0.0.1", port }, () => {
            const frames = Array.from({ length: 40 }, (_, index) =>
              Buffer.from([0, 0, 0, 1, index]),
            );
            // 40 frames, then the end of the stream, at once.
            raw.end(Buffer.concat(frames));
          });
          raw.on("error", () => {});
          void closedAfter.then(() => listener.close());
        });
    });
    expect(await closedAfter).toBe(40);
    expect(handled).toEqual(Array.from({ length: 40 }, (_, index) => index));
  });

  it("writes the first frame of a tick to the socket at once, before the rest of the tick runs", async () => {
    // A receiver on a thread of its own, which sees bytes while this thread is still busy: the
    // forward of a gossip message must not wait behind the log lines its handler writes next.
    const seen = new Int32Array(new SharedArrayBuffer(8));
    const receiver = new Worker(
      `const { workerData, parentPort } = require("node:worker_threads");
       const net = require("node:net");
       const seen = workerData.seen;
       const server = net.createServer((socket) => {
         socket.on("data", (chunk) => {
           Atomics.add(seen, 1, chunk.length);
           Atomics.store(seen, 0, 1);
           Atomics.notify(seen, 0);
         });
       });
       server.listen(0, "127.0.0.1", () => parentPort.postMessage(server.address().port));`,
      { eval: true, workerData: { seen } },
    );
    try {
      const port = await new Promise<number>((resolve) => receiver.once("message", resolve));
      const transport = createTcpTransport();
      const connection = await transport.dial(`127.0.0.1:${port}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
      connection.send(new Uint8Array([1, 2, 3]));
      // Still in the tick of the send: the frame (4-byte header + 3 bytes) is on its way.
      const waited = Atomics.wait(seen, 0, 0, 5_000);
      expect(waited).not.toBe("timed-out");
      expect(Atomics.load(seen, 1)).toBe(7);
      // The frames that follow in the same tick are corked, and leave when the tick ends.
      connection.send(new Uint8Array([4]));
      connection.send(new Uint8Array([5]));
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(Atomics.load(seen, 1)).toBe(17);
      await connection.close();
    } finally {
      await receiver.terminate();
    }
  });

  it("closes an idle connection with idle-timeout", async () => {
    const transport = createTcpTransport({ idleTimeoutMs: 50 });
    const closesAtServer: Array<Promise<CloseInfo>> = [];
    const listener = await transport.listen("127.0.0.1:0", (connection) => {
      closesAtServer.push(closed(connection));
    });
    const client = await transport.dial(listener.address);
    const clientClosed = closed(client);
    const reasons = [(await clientClosed).reason];
    reasons.push(...(await Promise.all(closesAtServer)).map((info) => info.reason));
    expect(reasons).toContain("idle-timeout");
    await listener.close();
  });

  it("fails dials with DIAL_FAILED, DIAL_TIMEOUT, DIAL_ABORTED and ADDRESS_INVALID", async () => {
    const transport = createTcpTransport();
    const listener = await transport.listen("127.0.0.1:0", () => {});
    const address = listener.address;
    await listener.close();
    const refused = await transport.dial(address).catch((error: unknown) => error);
    expect(P2pError.is(refused, "DIAL_FAILED")).toBe(true);
    // 192.0.2.0/24 is reserved for documentation: nothing answers there.
    const silent = await transport
      .dial("192.0.2.1:9", { timeoutMs: 1 })
      .catch((error: unknown) => error);
    expect(P2pError.is(silent, "DIAL_TIMEOUT") || P2pError.is(silent, "DIAL_FAILED")).toBe(true);
    const controller = new AbortController();
    controller.abort();
    const aborted = await transport
      .dial(address, { signal: controller.signal })
      .catch((error: unknown) => error);
    expect(P2pError.is(aborted, "DIAL_ABORTED")).toBe(true);
    const invalid = await transport.dial("127.0.0.1").catch((error: unknown) => error);
    expect(P2pError.is(invalid, "ADDRESS_INVALID")).toBe(true);
  });

  it("listens on IPv6 loopback with a bracketed address", async () => {
    const transport = createTcpTransport();
    const listener = await transport
      .listen("[::1]:0", (connection) =>
        connection.on("message", (payload) => connection.send(payload)),
      )
      .catch(() => undefined);
    if (listener === undefined) return; // no IPv6 on this machine
    expect(listener.address).toMatch(/^\[::1\]:\d+$/);
    const client = await transport.dial(listener.address);
    const reply = new Promise<number>((resolve) =>
      client.on("message", (payload) => resolve(payload.byteLength)),
    );
    client.send(new Uint8Array(3));
    expect(await reply).toBe(3);
    client.abort();
    await listener.close();
  });

  it("counts connections, frames and bytes (headers included) in both directions", async () => {
    const server = createTcpTransport();
    const client = createTcpTransport();
    expect(client.stats()).toEqual({
      connectionsAccepted: 0,
      connectionsDialled: 0,
      framesSent: 0,
      framesReceived: 0,
      bytesSent: 0,
      bytesReceived: 0,
    });
    const listener = await server.listen("127.0.0.1:0", (connection) =>
      connection.on("message", (payload) => connection.send(payload)),
    );
    const connection = await client.dial(listener.address);
    let replies = 0;
    const echoed = new Promise<void>((resolve) =>
      connection.on("message", () => {
        replies += 1;
        if (replies === 3) resolve();
      }),
    );
    for (const size of [1, 10, 100]) connection.send(new Uint8Array(size));
    await echoed;
    const bytes = 3 * 4 + 1 + 10 + 100;
    expect(client.stats()).toEqual({
      connectionsAccepted: 0,
      connectionsDialled: 1,
      framesSent: 3,
      framesReceived: 3,
      bytesSent: bytes,
      bytesReceived: bytes,
    });
    expect(server.stats()).toMatchObject({
      connectionsAccepted: 1,
      framesSent: 3,
      bytesSent: bytes,
    });
    connection.abort();
    await listener.close();
  });
});
