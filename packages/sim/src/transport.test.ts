import type { CloseInfo, Connection } from "@p2p/wire";
import { P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createSimulation } from "./simulation.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const text = (payload: Uint8Array) => new TextDecoder().decode(payload);

async function pair(options: { connectionBreakDelayMs?: number } = {}) {
  const sim = createSimulation({ seed: 5, link: { latencyMs: 10 }, ...options });
  let inbound: Connection | undefined;
  const listener = await sim.settle(
    sim.transport("10.0.0.1:7000").listen("10.0.0.1:7000", (connection) => {
      inbound = connection;
    }),
  );
  const client = await sim.settle(sim.transport("10.0.0.2").dial(listener.address));
  if (inbound === undefined) throw new Error("no inbound connection");
  const closes = { client: [] as CloseInfo[], server: [] as CloseInfo[] };
  const received = { client: [] as string[], server: [] as string[] };
  client.on("close", (info) => closes.client.push(info));
  inbound.on("close", (info) => closes.server.push(info));
  client.on("message", (payload) => received.client.push(text(payload)));
  inbound.on("message", (payload) => received.server.push(text(payload)));
  return { sim, listener, client, server: inbound, closes, received };
}

describe("sim transport", () => {
  it("connects in one round trip of virtual time and delivers after the link latency", async () => {
    const { sim, client, server, received } = await pair();
    expect(sim.now()).toBe(20);
    expect(server.remoteAddress).toBe(client.localAddress);
    client.send(bytes("one"));
    await sim.runForAsync(9);
    expect(received.server).toEqual([]);
    await sim.runForAsync(1);
    expect(received.server).toEqual(["one"]);
  });

  it("a partition breaks the connection on both sides after the detection delay, dropping what crosses it", async () => {
    const { sim, client, server, closes, received } = await pair({ connectionBreakDelayMs: 500 });
    client.send(bytes("before"));
    sim.partition(["10.0.0.2"], ["10.0.0.1:7000"], { oneWay: true });
    client.send(bytes("during"));
    server.send(bytes("reply"));
    await sim.runForAsync(499);
    expect(received.server).toEqual(["before"]);
    expect(received.client).toEqual([]);
    expect(client.state).toBe("open");
    await sim.runForAsync(1);
    expect(closes.client.map((info) => info.reason)).toEqual(["transport-error"]);
    expect(closes.server.map((info) => info.reason)).toEqual(["transport-error"]);
    expect(P2pError.is(closes.client[0]?.error, "CONNECTION_BROKEN")).toBe(true);
  });

  it("a dial across a partition times out; after heal it succeeds", async () => {
    const { sim, listener } = await pair();
    const partition = sim.partition(["10.0.0.3"], ["10.0.0.1"]);
    const dialing = sim.transport("10.0.0.3").dial(listener.address, { timeoutMs: 300 });
    const failure = await sim.settle(dialing).catch((error: unknown) => error);
    expect(P2pError.is(failure, "DIAL_TIMEOUT")).toBe(true);
    partition.heal();
    const connection = await sim.settle(sim.transport("10.0.0.3").dial(listener.address));
    expect(connection.state).toBe("open");
  });

  it("a crash closes the other side with transport-error and removes the crashed node's listener", async () => {
    const { sim, listener, client, server, closes } = await pair({ connectionBreakDelayMs: 200 });
    server.send(bytes("last words"));
    sim.crash("10.0.0.1:7000");
    expect(server.state).toBe("closed");
    expect(() => server.send(bytes("x"))).toThrow(/closed/);
    await sim.runForAsync(1_000);
    expect(closes.server).toEqual([]); // the crashed side hears nothing
    expect(closes.client.map((info) => info.reason)).toEqual(["transport-error"]);
    expect(client.state).toBe("closed");

    const refused = await sim
      .settle(sim.transport("10.0.0.2").dial(listener.address))
      .catch((error: unknown) => error);
    expect(P2pError.is(refused, "DIAL_FAILED")).toBe(true);

    sim.restart("10.0.0.1:7000");
    const again = await sim.settle(
      sim.transport("10.0.0.1:7000").listen("10.0.0.1:7000", (connection) => connection.close()),
    );
    expect(again.address).toBe("10.0.0.1:7000");
  });

  it("a dial to a crashed host goes unanswered", async () => {
    const { sim, listener } = await pair();
    sim.crash("10.0.0.1");
    const failure = await sim
      .settle(sim.transport("10.0.0.4").dial(listener.address, { timeoutMs: 1_000 }))
      .catch((error: unknown) => error);
    expect(P2pError.is(failure, "DIAL_TIMEOUT")).toBe(true);
    expect(sim.now()).toBeGreaterThanOrEqual(1_000);
  });

  it("checks addresses, ports in use and frame limits", async () => {
    const sim = createSimulation({ seed: 1, maxFrameBytes: 8 });
    const transport = sim.transport("10.0.0.1");
    await sim.settle(transport.listen("10.0.0.1:80", () => {}));
    const inUse = await sim
      .settle(transport.listen("10.0.0.1:80", () => {}))
      .catch((error: unknown) => error);
    expect(P2pError.is(inUse, "LISTEN_FAILED")).toBe(true);
    const elsewhere = await sim
      .settle(transport.listen("10.0.0.9:80", () => {}))
      .catch((error: unknown) => error);
    expect(P2pError.is(elsewhere, "LISTEN_FAILED")).toBe(true);
    const invalid = await sim.settle(transport.dial("nonsense")).catch((error: unknown) => error);
    expect(P2pError.is(invalid, "ADDRESS_INVALID")).toBe(true);
    const connection = await sim.settle(sim.transport("10.0.0.2").dial("10.0.0.1:80"));
    expect(() => connection.send(new Uint8Array(9))).toThrow(/exceeds/);
    expect(connection.send(new Uint8Array(8))).toBe(true);
  });

  it("an aborted dial rejects with DIAL_ABORTED", async () => {
    const { sim, listener } = await pair();
    const controller = new AbortController();
    const dialing = sim.transport("10.0.0.5").dial(listener.address, { signal: controller.signal });
    controller.abort();
    const failure = await sim.settle(dialing).catch((error: unknown) => error);
    expect(P2pError.is(failure, "DIAL_ABORTED")).toBe(true);
  });

  it("replays a transport run exactly from its seed", async () => {
    const run = async (seed: number) => {
      const sim = createSimulation({ seed, link: { latencyMs: 3, jitterMs: 9 } });
      await sim.settle(
        sim.transport("10.0.0.1").listen("10.0.0.1:9", (connection) => {
          connection.on("message", (payload) => connection.send(payload));
        }),
      );
      const clients = await sim.settle(
        Promise.all([2, 3, 4].map((host) => sim.transport(`10.0.0.${host}`).dial("10.0.0.1:9"))),
      );
      for (const [index, client] of clients.entries()) {
        for (let frame = 0; frame < 20; frame++) client.send(bytes(`${index}:${frame}`));
      }
      await sim.runForAsync(1_000);
      return sim.traceHash();
    };
    const first = await run(1);
    expect(await run(1)).toBe(first);
    expect(await run(2)).not.toBe(first);
  });
});
