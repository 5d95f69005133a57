// Benchmarks of @p2p/wire: codec throughput and TCP loopback, each against JSON with newline
// framing measured in the same run.
// Run: pnpm bench wire/index   (--quick: shorter rounds, a tenth of the TCP messages)
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { printRow, quantile, ratio, runBench, scaled } from "../../../scripts/bench-support.js";
import { createCodec, encodeFrame } from "../src/index.js";
import { createTcpTransport } from "../src/tcp.js";
import type { Connection } from "../src/transport.js";
import { measureCodec, message, nth } from "./codec.js";
import { GossipSchema } from "./fixtures.js";

/** Rounds per candidate and the time of one round, of the codec measurements. */
const ROUNDS = scaled(7, 2);
const ROUND_MS = scaled(150, 30);
/** TCP ping-pongs (the first tenth are warm-up) and one-way messages. */
const ROUND_TRIPS = scaled(5000, 500);
const ONE_WAY = scaled(200_000, 20_000);

/** Prints one result row: rate, throughput and the ratio to its same-run baseline. */
function row(name: string, opsPerSecond: number, bytesPerOp: number, baseline: number): void {
  const megabytes = (opsPerSecond * bytesPerOp) / 1e6;
  const times = ratio(opsPerSecond, baseline, name);
  printRow(
    name,
    `  ${name.padEnd(44)} ${Math.round(opsPerSecond).toLocaleString("en").padStart(12)} msg/s ${megabytes.toFixed(1).padStart(8)} MB/s  ${times.toFixed(2)}×`,
  );
}

function codecBench(): void {
  const rates = measureCodec(ROUNDS, ROUND_MS);
  console.log(
    `codec: encode + frame + decode of one gossip message (${rates.frameBytes} B framed msgpack, ${rates.jsonBytes} B JSON line)`,
  );
  const { jsonValidated, codecValidated, jsonRaw, msgpackRaw, frameBytes, jsonBytes } = rates;
  row("JSON + newline, zod both ways (baseline)", jsonValidated, jsonBytes, jsonValidated);
  row("@p2p/wire codec (msgpack + frame + zod)", codecValidated, frameBytes, jsonValidated);
  row("JSON + newline, no validation (baseline)", jsonRaw, jsonBytes, jsonRaw);
  row("msgpack + frame, no validation", msgpackRaw, frameBytes, jsonRaw);
}

async function tcpPair(): Promise<{
  client: Connection;
  server: Connection;
  close: () => Promise<void>;
}> {
  const transport = createTcpTransport();
  let accept: (connection: Connection) => void = () => {};
  const accepted = new Promise<Connection>((resolve) => {
    accept = resolve;
  });
  const listener = await transport.listen("127.0.0.1:0", (connection) => accept(connection));
  const client = await transport.dial(listener.address);
  const server = await accepted;
  return {
    client,
    server,
    close: async () => {
      await client.close();
      await listener.close();
    },
  };
}

async function wireRoundTrips(count: number): Promise<number[]> {
  const { client, server, close } = await tcpPair();
  const codec = createCodec(GossipSchema);
  server.on("message", (payload) => {
    const decoded = codec.decode(payload);
    if (decoded.ok) server.send(codec.encode(decoded.value));
  });
  const samples: number[] = [];
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    const reply = new Promise<void>((resolve) => {
      const off = client.on("message", (payload) => {
        off();
        codec.decode(payload);
        resolve();
      });
    });
    client.send(codec.encode(nth(i)));
    await reply;
    samples.push(performance.now() - start);
  }
  await close();
  return samples;
}

async function wireThroughput(count: number): Promise<number> {
  const { client, server, close } = await tcpPair();
  const codec = createCodec(GossipSchema);
  let received = 0;
  const done = new Promise<void>((resolve) => {
    server.on("message", (payload) => {
      if (codec.decode(payload).ok) received += 1;
      if (received === count) resolve();
    });
  });
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (!client.send(codec.encode(nth(i))))
      await new Promise<void>((resolve) => client.on("drain", resolve));
  }
  await done;
  const rate = count / ((performance.now() - start) / 1000);
  await close();
  return rate;
}

/** Baseline: JSON lines over a raw node:net socket, validated with the same schema. */
async function jsonThroughput(count: number): Promise<number> {
  let received = 0;
  let resolveDone: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    resolveDone = resolve;
  });
  const server = createServer((socket: Socket) => {
    socket.setNoDelay(true);
    let pending = "";
    socket.setEncoding("utf8");
    socket.on("data", (chunk: string) => {
      pending += chunk;
      let newline = pending.indexOf("\n");
      while (newline >= 0) {
        if (GossipSchema.safeParse(JSON.parse(pending.slice(0, newline))).success) received += 1;
        pending = pending.slice(newline + 1);
        newline = pending.indexOf("\n");
      }
      if (received === count) resolveDone();
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const address = server.address();
  const port = typeof address === "object" && address !== null ? address.port : 0;
  const socket = connect({ host: "127.0.0.1", port });
  socket.setNoDelay(true);
  await once(socket, "connect");
  const start = performance.now();
  for (let i = 0; i < count; i++) {
    if (!socket.write(`${JSON.stringify(GossipSchema.parse(nth(i)))}\n`))
      await once(socket, "drain");
  }
  await done;
  const rate = count / ((performance.now() - start) / 1000);
  socket.destroy();
  server.close();
  return rate;
}

async function tcpBench(): Promise<void> {
  const samples = (await wireRoundTrips(ROUND_TRIPS)).slice(ROUND_TRIPS / 10).sort((a, b) => a - b);
  console.log("tcp loopback (127.0.0.1), one connection, codec included");
  const micros = (q: number) => (quantile(samples, q, "round trip") * 1000).toFixed(0);
  printRow(
    "round trip",
    `  round trip (ping-pong, ${samples.length} samples): median ${micros(0.5)} µs, p99 ${micros(0.99)} µs`,
  );
  const json = await jsonThroughput(ONE_WAY);
  const wire = await wireThroughput(ONE_WAY);
  const frameBytes = encodeFrame(createCodec(GossipSchema).encode(message)).byteLength;
  const jsonBytes = JSON.stringify(message).length + 1;
  row(`JSON lines on raw net.Socket (baseline), ${ONE_WAY / 1000}k`, json, jsonBytes, json);
  row(`@p2p/wire TCP transport, ${ONE_WAY / 1000}k one way`, wire, frameBytes, json);
}

await runBench(import.meta.url, "codec and TCP loopback against JSON lines", async () => {
  codecBench();
  await tcpBench();
});
