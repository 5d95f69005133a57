import { describe, expect, it } from "vitest";
import { P2pError } from "./errors.js";
import { createMemoryNetwork } from "./memory.js";
import { runTransportContract } from "./testing/transport-contract.js";

runTransportContract("memory", () => {
  const network = createMemoryNetwork();
  return {
    transport: (host) => network.transport(host),
    host: (index) => `10.0.0.${index + 1}`,
    listenAddress: (host) => `${host}:7000`,
    settle: (promise) => promise,
    dispose: async () => {},
  };
});

describe("memory network", () => {
  it("refuses to listen on another host's address or on a taken port", async () => {
    const network = createMemoryNetwork();
    const transport = network.transport("10.0.0.1");
    await expect(transport.listen("10.0.0.2:7000", () => {})).rejects.toThrow(/belongs to host/);
    const listener = await transport.listen("10.0.0.1:7000", () => {});
    await expect(transport.listen("10.0.0.1:7000", () => {})).rejects.toThrow(/in use/);
    await listener.close();
  });

  it("picks a free port for port 0 and rejects bad addresses", async () => {
    const network = createMemoryNetwork();
    const transport = network.transport("10.0.0.1");
    const listener = await transport.listen("10.0.0.1:0", () => {});
    expect(listener.address).toMatch(/^10\.0\.0\.1:\d+$/);
    expect(listener.address).not.toBe("10.0.0.1:0");
    const failure = await transport.dial("10.0.0.1").catch((error: unknown) => error);
    expect(P2pError.is(failure, "ADDRESS_INVALID")).toBe(true);
  });

  it("reports backpressure above the high-water mark and emits drain once delivered", async () => {
    const network = createMemoryNetwork({ highWaterMarkBytes: 100 });
    const received: number[] = [];
    const listener = await network.transport("10.0.0.1").listen("10.0.0.1:1", (connection) => {
      connection.on("message", (payload) => received.push(payload.byteLength));
    });
    const client = await network.transport("10.0.0.2").dial(listener.address);
    expect(client.send(new Uint8Array(60))).toBe(true);
    const drained = new Promise<number>((resolve) =>
      client.on("drain", () => resolve(received.length)),
    );
    expect(client.send(new Uint8Array(60))).toBe(false);
    expect(await drained).toBe(2);
    expect(received).toEqual([60, 60]);
  });

  it("refuses frames above its limit and counts open connections", async () => {
    const network = createMemoryNetwork({ maxFrameBytes: 8 });
    const listener = await network.transport("10.0.0.1").listen("10.0.0.1:1", () => {});
    const client = await network.transport("10.0.0.2").dial(listener.address);
    expect(network.openConnections).toBe(2);
    expect(() => client.send(new Uint8Array(9))).toThrow(/exceeds the limit/);
    client.abort();
    await Promise.resolve();
    await Promise.resolve();
    expect(network.openConnections).toBe(0);
  });
});
