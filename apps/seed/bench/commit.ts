// Quorum commit latency and throughput: real SeedNodes in one process over real TCP on
// 127.0.0.1, with the durable LMDB store (baseline: the in-memory store, same run).
// Run: pnpm --filter @p2p/seed-cli bench
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import {
  createLinks,
  createSeedNode,
  createWireCodec,
  type SeedNode,
  type WireMessage,
} from "@p2p/node";
import { type AcceptorState, createMemoryStorage, type Storage } from "@p2p/quorum";
import { createSeededRandom, silentLogger, systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { createLmdbStorage } from "../src/storage/lmdb-storage.js";

type StoreName = "lmdb" | "memory";

interface Config {
  readonly seeds: number;
  readonly store: StoreName;
  readonly concurrency: number;
}

interface Measurement {
  readonly config: Config;
  readonly commits: number;
  readonly failures: number;
  readonly latenciesMs: number[];
  readonly commitsPerSecond: number;
}

/** Registrations per configuration, and a wall-time cap per configuration. */
const OPERATIONS: Readonly<Record<number, number>> = { 1: 300, 16: 2000 };
/** P2P_BENCH_QUICK=1 runs a tenth of the operations (a smoke run). */
const SCALE = process.env.P2P_BENCH_QUICK === "1" ? 0.1 : 1;
const MAX_SECONDS_PER_CONFIG = 15;
const WARMUP_OPERATIONS = 30;
const REQUEST_TIMEOUT_MS = 10_000;

/** Free TCP ports on 127.0.0.1 (bound to port 0, read, released). */
async function freePorts(count: number): Promise<number[]> {
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

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

async function measure(config: Config, run: number): Promise<Measurement> {
  const ports = await freePorts(config.seeds);
  const addresses = ports.map((port) => `127.0.0.1:${port}`);
  const directories: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const nodes: SeedNode[] = [];
  for (const [index, address] of addresses.entries()) {
    let storage: Storage;
    if (config.store === "lmdb") {
      const directory = mkdtempSync(join(tmpdir(), "p2p-commit-bench-"));
      directories.push(directory);
      const lmdb = createLmdbStorage<AcceptorState>(join(directory, "acceptor.mdb"));
      closers.push(() => lmdb.close());
      storage = lmdb;
    } else {
      storage = createMemoryStorage();
    }
    const node = await createSeedNode({
      address,
      seeds: addresses,
      transport: createTcpTransport(),
      clock: systemClock,
      storage,
      random: createSeededRandom(run * 100 + index + 1), // only the registry's backoff uses it
      logger: silentLogger,
      wallClock: Date.now,
    });
    await node.start();
    nodes.push(node);
  }

  const client = createLinks<WireMessage>({
    self: `bench-client-${run}`,
    role: "client",
    transport: createTcpTransport(),
    clock: systemClock,
    codec: createWireCodec(),
    logger: silentLogger,
  });
  const waiting = new Map<string, (ok: boolean) => void>();
  client.on("message", (_from, message) => {
    if (message.type === "quorum.register-response") waiting.get(message.requestId)?.(message.ok);
  });
  for (const address of addresses) {
    if (!(await client.connect(address))) throw new Error(`seed ${address} unreachable`);
  }

  let sequence = 0;
  /** One registration of a new member (a fresh key: a full CASPaxos round), round-robin over the seeds. */
  const register = (): Promise<{ ok: boolean; ms: number }> => {
    const id = sequence++;
    const requestId = `r${id}`;
    const seed = addresses[id % addresses.length] as string;
    const started = performance.now();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        waiting.delete(requestId);
        resolve({ ok: false, ms: performance.now() - started });
      }, REQUEST_TIMEOUT_MS);
      waiting.set(requestId, (ok) => {
        clearTimeout(timer);
        waiting.delete(requestId);
        resolve({ ok, ms: performance.now() - started });
      });
      client.send(seed, {
        type: "quorum.register-request",
        requestId,
        address: `10.${run}.${(id >> 8) & 255}.${id & 255}:${6000 + (id >> 16)}`,
        neighbours: [],
      });
    });
  };

  const drive = async (operations: number, maxMs: number) => {
    const latencies: number[] = [];
    let failures = 0;
    let issued = 0;
    const started = performance.now();
    const worker = async () => {
      while (issued < operations && performance.now() - started < maxMs) {
        issued += 1;
        const result = await register();
        if (result.ok) latencies.push(result.ms);
        else failures += 1;
      }
    };
    await Promise.all(Array.from({ length: config.concurrency }, worker));
    return { latencies, failures, seconds: (performance.now() - started) / 1000 };
  };

  await drive(WARMUP_OPERATIONS, 5_000);
  const operations = Math.ceil((OPERATIONS[config.concurrency] ?? 500) * SCALE);
  const result = await drive(operations, MAX_SECONDS_PER_CONFIG * 1000);

  await client.close();
  for (const node of nodes) await node.stop();
  for (const close of closers) await close();
  for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  return {
    config,
    commits: result.latencies.length,
    failures: result.failures,
    latenciesMs: result.latencies.sort((a, b) => a - b),
    commitsPerSecond: result.latencies.length / result.seconds,
  };
}

async function main(): Promise<void> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} cores, Node ${process.version}`,
  );
  console.log(
    `quorum commit = one registration of a new member (fresh key), all seeds in this process, TCP on 127.0.0.1; temp dirs under ${tmpdir()}`,
  );
  console.log(
    "seeds | store  | concurrency | commits | failed | p50 ms | p99 ms | commits/s | p50 vs memory | commits/s vs memory",
  );
  const results: Measurement[] = [];
  let run = 0;
  // A discarded round first, so the first measured configuration does not pay for JIT warm-up.
  await measure({ seeds: 3, store: "memory", concurrency: 16 }, ++run);
  for (const seeds of [3, 5]) {
    for (const concurrency of [1, 16]) {
      for (const store of ["memory", "lmdb"] as const) {
        run += 1;
        const measured = await measure({ seeds, store, concurrency }, run);
        results.push(measured);
        const baseline = results.find(
          (other) =>
            other.config.store === "memory" &&
            other.config.seeds === seeds &&
            other.config.concurrency === concurrency,
        ) as Measurement;
        const p50 = quantile(measured.latenciesMs, 0.5);
        const baseP50 = quantile(baseline.latenciesMs, 0.5);
        console.log(
          [
            String(seeds).padEnd(5),
            store.padEnd(6),
            String(concurrency).padEnd(11),
            String(measured.commits).padEnd(7),
            String(measured.failures).padEnd(6),
            p50.toFixed(2).padEnd(6),
            quantile(measured.latenciesMs, 0.99).toFixed(2).padEnd(6),
            measured.commitsPerSecond.toFixed(0).padEnd(9),
            `${(p50 / baseP50).toFixed(2)}×`.padEnd(13),
            `${(measured.commitsPerSecond / baseline.commitsPerSecond).toFixed(2)}×`,
          ].join(" | "),
        );
      }
    }
  }
}

await main();
