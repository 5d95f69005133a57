// Quorum commit latency and throughput: 3 real SeedNodes in one process over real TCP on
// 127.0.0.1, with the durable LMDB store (baseline: the in-memory store, same run). Each
// registrant is a real peer link (createLinks, role "peer") listening on its own port with its
// own Ed25519 identity and the pinned seed list; it registers its own address, which the seed
// proves by dialling it back ("first contact": TCP + link handshake + dial-back + commit), then
// updates its own neighbour list over the link it already has ("warm link": one commit).
// Run: pnpm --filter @p2p/seed-cli bench (P2P_BENCH_QUICK=1 for a smoke run)
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { createEphemeralIdentity, verifyEd25519 } from "@p2p/cli-support";
import {
  createLinks,
  createSeedNode,
  createWireCodec,
  type Links,
  type SeedNode,
  type WireMessage,
} from "@p2p/node";
import { type AcceptorState, createMemoryStorage, type Storage, signRequest } from "@p2p/quorum";
import { createSeededRandom, type Logger, systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { createLmdbStorage } from "../src/storage/lmdb-storage.js";

type StoreName = "lmdb" | "memory";
type Phase = "first contact" | "warm link";

interface Config {
  readonly store: StoreName;
  readonly concurrency: number;
}

interface PhaseResult {
  readonly requests: number;
  readonly failures: number;
  readonly latenciesMs: number[];
  /** Wall time of the phase. */
  readonly seconds: number;
}

interface Measurement {
  readonly config: Config;
  readonly phases: Readonly<Record<Phase, PhaseResult>>;
}

const SEEDS = 3;
/** P2P_BENCH_QUICK=1 runs a tenth of the registrations (a smoke run). */
const SCALE = process.env.P2P_BENCH_QUICK === "1" ? 0.1 : 1;
/**
 * Registrants (one first-contact registration each) per run, per concurrency. Each store runs
 * twice, in the order memory, lmdb, lmdb, memory, and the two runs are pooled: whatever drifts
 * during the bench (heap, sockets in TIME_WAIT, other load) weighs on both stores alike.
 */
const REGISTRANTS: Readonly<Record<number, number>> = { 1: 60, 16: 150 };
/** Warm neighbour updates per registrant (each a real change: the list alternates). */
const WARM_UPDATES = 3;
const MAX_SECONDS_PER_PHASE = 12;
const REQUEST_TIMEOUT_MS = 10_000;

const nodeRandomBytes = (length: number): Uint8Array => new Uint8Array(randomBytes(length));

/** A logger that keeps every warning and error (to explain a failure) and drops the rest. */
function collectingLogger(into: string[]): Logger {
  const keep = (message: string, fields?: Record<string, unknown>) => {
    if (into.length < 1000) {
      into.push(`${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`);
    }
  };
  return { debug() {}, info() {}, warn: keep, error: keep };
}

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

/** The q-quantile of ascending samples; throws on none (never NaN). */
function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("no samples");
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}

/** A listening peer that registers itself: its links, its address and its requests. */
interface Registrant {
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

async function createRegistrant(
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

/** Runs `operations` jobs with `concurrency` workers (until the time cap); collects latencies. */
async function drive(
  operations: number,
  concurrency: number,
  job: (index: number) => Promise<{ ok: boolean; ms: number; error?: string }>,
  errors: string[],
): Promise<PhaseResult> {
  const latencies: number[] = [];
  let failures = 0;
  let issued = 0;
  const started = performance.now();
  const worker = async () => {
    while (issued < operations && performance.now() - started < MAX_SECONDS_PER_PHASE * 1000) {
      const index = issued++;
      const result = await job(index);
      if (result.ok) latencies.push(result.ms);
      else {
        failures += 1;
        errors.push(result.error ?? "not ok");
      }
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  return {
    requests: latencies.length + failures,
    failures,
    latenciesMs: latencies.sort((a, b) => a - b),
    seconds,
  };
}

async function measure(config: Config, registrantCount: number, errors: string[]) {
  const ports = await freePorts(SEEDS + registrantCount);
  const seedAddresses = ports.slice(0, SEEDS).map((port) => `127.0.0.1:${port}`);
  const identities = seedAddresses.map(() => createEphemeralIdentity());
  const pinned = seedAddresses.map((address, index) => ({
    address,
    key: (identities[index] as ReturnType<typeof createEphemeralIdentity>).publicKey,
  }));
  const warnings: string[] = [];
  const logger = collectingLogger(warnings);
  const directories: string[] = [];
  const closers: (() => Promise<void>)[] = [];
  const nodes: SeedNode[] = [];
  for (const [index, address] of seedAddresses.entries()) {
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
      seeds: pinned,
      signer: identities[index] as ReturnType<typeof createEphemeralIdentity>,
      verify: verifyEd25519,
      crypto: nodeNoiseCrypto,
      randomBytes: nodeRandomBytes,
      transport: createTcpTransport(),
      clock: systemClock,
      storage,
      random: createSeededRandom(index + 1), // only the registry's backoff uses it
      logger,
      wallClock: Date.now,
    });
    await node.start();
    nodes.push(node);
  }

  const registrants: Registrant[] = [];
  for (const port of ports.slice(SEEDS)) {
    registrants.push(await createRegistrant(`127.0.0.1:${port}`, pinned, logger));
  }

  try {
    // First contact: the registrant's first message to a seed (round-robin over the seeds).
    const first = await drive(
      registrants.length,
      config.concurrency,
      (index) => {
        const registrant = registrants[index] as Registrant;
        registrant.seed = seedAddresses[index % SEEDS] as string;
        return registrant.request(registrant.seed, (requestId) => ({
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
        }));
      },
      errors,
    );
    // Warm link: neighbour updates of the registered, over the link each already holds.
    const registered = registrants.filter((registrant) =>
      registrant.links.isConnected(registrant.seed),
    );
    const warm = await drive(
      registered.length * WARM_UPDATES,
      config.concurrency,
      async (index) => {
        const registrant = registered[index % registered.length] as Registrant;
        const round = Math.floor(index / registered.length);
        const neighbour = registered[(index + 1 + round) % registered.length] as Registrant;
        if (!registrant.links.isConnected(registrant.seed)) {
          return { ok: false, ms: 0, error: `${registrant.address} lost its link` };
        }
        const neighbours = round % 2 === 0 ? [neighbour.address] : [];
        return registrant.request(registrant.seed, (requestId) => ({
          type: "quorum.update-neighbours",
          requestId,
          address: registrant.address,
          neighbours,
          proof: signRequest(
            {
              kind: "neighbours",
              address: registrant.address,
              publicKey: registrant.key,
              incarnation: 0,
              neighbours,
              requestId,
            },
            registrant.sign,
          ),
        }));
      },
      errors,
    );
    if (first.failures > 0 || warm.failures > 0) {
      errors.push(...warnings.slice(0, 10).map((warning) => `logged: ${warning}`));
    }
    return { config, phases: { "first contact": first, "warm link": warm } } as Measurement;
  } finally {
    for (const registrant of registrants) await registrant.links.close();
    for (const node of nodes) await node.stop();
    for (const close of closers) await close();
    for (const directory of directories) rmSync(directory, { recursive: true, force: true });
  }
}

const commitsPerSecond = (result: PhaseResult): number =>
  result.seconds > 0 ? result.latenciesMs.length / result.seconds : 0;

/** The runs of one configuration as one: latencies merged, commits over the summed wall time. */
function pooled(runs: readonly Measurement[]): Measurement {
  const first = runs[0];
  if (first === undefined) throw new Error("no run to pool");
  const pool = (phase: Phase): PhaseResult => {
    const results = runs.map((run) => run.phases[phase]);
    return {
      requests: results.reduce((sum, result) => sum + result.requests, 0),
      failures: results.reduce((sum, result) => sum + result.failures, 0),
      latenciesMs: results.flatMap((result) => result.latenciesMs).sort((a, b) => a - b),
      seconds: results.reduce((sum, result) => sum + result.seconds, 0),
    };
  };
  return {
    config: first.config,
    phases: { "first contact": pool("first contact"), "warm link": pool("warm link") },
  };
}

async function main(): Promise<number> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} cores, Node ${process.version}`,
  );
  console.log(
    `quorum commit, ${SEEDS} seeds and every registrant in this process, TCP on 127.0.0.1, sealed links; temp dirs under ${tmpdir()}`,
  );
  console.log(
    "  first contact = register-request of a new listening peer (dial + handshake + the seed's dial-back + commit)",
  );
  console.log(
    "  warm link     = update-neighbours of a registered peer over its proven link (one commit)",
  );
  console.log(
    `  each row pools two runs (order memory, lmdb, lmdb, memory) of ${REGISTRANTS[1]} registrants at concurrency 1, ${REGISTRANTS[16]} at 16${SCALE < 1 ? ", scaled by " + SCALE : ""}; ${WARM_UPDATES} warm updates per registrant`,
  );
  console.log(
    "  both ends of every handshake run on this one thread: first-contact throughput is bounded by their crypto",
  );
  const errors: string[] = [];
  // A discarded round first, so the first measured configuration does not pay for JIT warm-up.
  await measure({ store: "memory", concurrency: 16 }, Math.max(16, Math.ceil(64 * SCALE)), []);

  const header = [
    "store ",
    "concurrency",
    "phase        ",
    "commits",
    "failed",
    "p50 ms",
    "p99 ms",
    "commits/s",
    "p50 vs memory",
    "commits/s vs memory",
  ];
  const rows: string[][] = [];
  const results: Measurement[] = [];
  let isBroken = false;
  const runs: Measurement[] = [];
  for (const concurrency of [1, 16]) {
    const count = Math.max(concurrency * 2, Math.ceil((REGISTRANTS[concurrency] ?? 60) * SCALE));
    for (const store of ["memory", "lmdb", "lmdb", "memory"] as const) {
      runs.push(await measure({ store, concurrency }, count, errors));
    }
  }
  for (const concurrency of [1, 16]) {
    for (const store of ["memory", "lmdb"] as const) {
      const measured = pooled(
        runs.filter((run) => run.config.store === store && run.config.concurrency === concurrency),
      );
      results.push(measured);
      const baseline = results.find(
        (other) => other.config.store === "memory" && other.config.concurrency === concurrency,
      ) as Measurement;
      for (const phase of ["first contact", "warm link"] as const) {
        const result = measured.phases[phase];
        const base = baseline.phases[phase];
        if (result.latenciesMs.length === 0 || result.failures > 0) {
          isBroken = true;
          rows.push([
            store,
            String(concurrency),
            phase,
            String(result.latenciesMs.length),
            String(result.failures),
            "-",
            "-",
            "-",
            "-",
            "-",
          ]);
          continue;
        }
        const p50 = quantile(result.latenciesMs, 0.5);
        rows.push([
          store,
          String(concurrency),
          phase,
          String(result.latenciesMs.length),
          String(result.failures),
          p50.toFixed(2),
          quantile(result.latenciesMs, 0.99).toFixed(2),
          commitsPerSecond(result).toFixed(0),
          base.latenciesMs.length === 0
            ? "-"
            : `${(p50 / quantile(base.latenciesMs, 0.5)).toFixed(2)}×`,
          commitsPerSecond(base) === 0
            ? "-"
            : `${(commitsPerSecond(result) / commitsPerSecond(base)).toFixed(2)}×`,
        ]);
      }
    }
  }
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(" | ")
      .trimEnd();
  console.log(format(header));
  for (const row of rows) console.log(format(row));

  if (!isBroken) {
    for (const concurrency of [1, 16]) {
      const parts = (["memory", "lmdb"] as const).map((store) => {
        const measured = results.find(
          (result) => result.config.store === store && result.config.concurrency === concurrency,
        ) as Measurement;
        const first = quantile(measured.phases["first contact"].latenciesMs, 0.5);
        const warm = quantile(measured.phases["warm link"].latenciesMs, 0.5);
        return `${store} ${(first / warm).toFixed(1)}× (+${(first - warm).toFixed(1)} ms)`;
      });
      console.log(
        `first contact vs warm link, p50, concurrency ${concurrency}: ${parts.join("; ")}`,
      );
    }
  }
  if (isBroken || errors.length > 0) {
    console.error("commit bench FAILED: a configuration committed nothing or a request failed");
    const counts = new Map<string, number>();
    for (const error of errors) {
      const kind = error.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:…");
      counts.set(kind, (counts.get(kind) ?? 0) + 1);
    }
    for (const [error, count] of [...counts].slice(0, 15)) console.error(`  ${count}× ${error}`);
    return 1;
  }
  return 0;
}

try {
  process.exitCode = await main();
} catch (error) {
  console.error(`commit bench failed: ${error instanceof Error ? error.stack : String(error)}`);
  process.exitCode = 1;
}
