// Quorum commit latency and throughput: 3 real SeedNodes in one process over real TCP on
// 127.0.0.1, with the durable LMDB store (baseline: the in-memory store, same run). Each
// registrant is a real peer link (createLinks, role "peer") listening on its own port with its
// own Ed25519 identity and the pinned seed list; it registers its own address, which the seed
// proves by dialling it back ("first contact": TCP + link handshake + dial-back + commit), then
// updates its own neighbour list over the link it already has ("warm link": one commit).
// Run: pnpm bench seed/commit   (--quick: a tenth of the registrations)
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createEphemeralIdentity, verifyEd25519 } from "@p2p/cli-support";
import { createSeedNode, type SeedNode } from "@p2p/node";
import { type AcceptorState, createMemoryStorage, type Storage } from "@p2p/quorum";
import { createSeededRandom, systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import {
  type Cell,
  fail,
  printTable,
  quantile,
  ratio,
  requireSamples,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import { createLmdbStorage } from "../src/storage/lmdb-storage.js";
import {
  collectingLogger,
  createRegistrant,
  freePorts,
  nodeRandomBytes,
  type Registrant,
  registerRequest,
  updateNeighboursRequest,
} from "./registrant.js";

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
const SCALE = scaled(1, 0.1);
/**
 * Registrants (one first-contact registration each) per run, per concurrency. Each store runs
 * twice, in the order memory, lmdb, lmdb, memory, and the two runs are pooled: whatever drifts
 * during the bench (heap, sockets in TIME_WAIT, other load) weighs on both stores alike.
 */
const REGISTRANTS: Readonly<Record<number, number>> = { 1: 60, 16: 150 };
/** Warm neighbour updates per registrant (each a real change: the list alternates). */
const WARM_UPDATES = 3;
const MAX_SECONDS_PER_PHASE = 12;

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
        return registrant.request(registrant.seed, (requestId) =>
          registerRequest(registrant, requestId),
        );
      },
      errors,
    );
    // Every first contact failed: stop here, with the first error, instead of timing nothing.
    requireSamples(
      `${config.store}, concurrency ${config.concurrency}, first contact: commits`,
      first.latenciesMs,
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
        return registrant.request(registrant.seed, (requestId) =>
          updateNeighboursRequest(registrant, neighbours, requestId),
        );
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

/** The failed requests of a run, counted by kind (addresses blurred), most frequent first. */
function summarize(errors: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const error of errors) {
    const kind = error.replace(/127\.0\.0\.1:\d+/g, "127.0.0.1:…");
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return [...counts]
    .slice(0, 15)
    .map(([error, count]) => `  ${count}× ${error}`)
    .join("\n");
}

await runBench(import.meta.url, "quorum commits over TCP, LMDB against memory", async () => {
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
    `  each row pools two runs (order memory, lmdb, lmdb, memory) of ${REGISTRANTS[1]} registrants at concurrency 1, ${REGISTRANTS[16]} at 16${SCALE < 1 ? `, scaled by ${SCALE}` : ""}; ${WARM_UPDATES} warm updates per registrant`,
  );
  console.log(
    "  both ends of every handshake run on this one thread: first-contact throughput is bounded by their crypto",
  );
  const errors: string[] = [];
  // A discarded round first, so the first measured configuration does not pay for JIT warm-up.
  await measure({ store: "memory", concurrency: 16 }, Math.max(16, Math.ceil(64 * SCALE)), []);

  const runs: Measurement[] = [];
  for (const concurrency of [1, 16]) {
    const count = Math.max(concurrency * 2, Math.ceil((REGISTRANTS[concurrency] ?? 60) * SCALE));
    for (const store of ["memory", "lmdb", "lmdb", "memory"] as const) {
      runs.push(await measure({ store, concurrency }, count, errors));
    }
  }
  const results: Measurement[] = [];
  const rows: Cell[][] = [];
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
        const name = `${store}, concurrency ${concurrency}, ${phase}`;
        requireSamples(`${name}: commits`, result.latenciesMs, errors);
        const p50 = quantile(result.latenciesMs, 0.5);
        rows.push([
          store,
          String(concurrency),
          phase,
          result.latenciesMs.length,
          result.failures,
          { value: p50, digits: 2 },
          { value: quantile(result.latenciesMs, 0.99), digits: 2 },
          { value: commitsPerSecond(result), digits: 0 },
          `${ratio(p50, quantile(base.latenciesMs, 0.5), `${name}, p50 vs memory`).toFixed(2)}×`,
          `${ratio(commitsPerSecond(result), commitsPerSecond(base), `${name}, commits/s vs memory`).toFixed(2)}×`,
        ]);
      }
    }
  }
  printTable(
    [
      "store",
      "concurrency",
      "phase",
      "commits",
      "failed",
      "p50 ms",
      "p99 ms",
      "commits/s",
      "p50 vs memory",
      "commits/s vs memory",
    ],
    rows,
  );
  for (const concurrency of [1, 16]) {
    const parts = (["memory", "lmdb"] as const).map((store) => {
      const measured = results.find(
        (result) => result.config.store === store && result.config.concurrency === concurrency,
      ) as Measurement;
      const first = quantile(measured.phases["first contact"].latenciesMs, 0.5);
      const warm = quantile(measured.phases["warm link"].latenciesMs, 0.5);
      return `${store} ${ratio(first, warm, `${store} first contact vs warm`).toFixed(1)}× (+${(first - warm).toFixed(1)} ms)`;
    });
    console.log(`first contact vs warm link, p50, concurrency ${concurrency}: ${parts.join("; ")}`);
  }
  if (errors.length > 0) {
    fail(`${errors.length} requests failed; first: ${errors[0]}\n${summarize(errors)}`);
  }
});
