/**
 * Commit latency and throughput of the seed registry in simulation (virtual time for latency,
 * wall clock for the machinery), with same-run baselines.
 * Run: pnpm bench quorum   (--quick: fewer commits, one repetition per scenario)
 * (The TCP-on-loopback benchmark with the LMDB store belongs to the seed app.)
 */
import { createSimulation } from "@p2p/sim";
import {
  type Cell,
  printTable,
  quantile,
  ratio,
  requireSamples,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import { createCluster } from "../test/cluster.js";

const LINK_LATENCY_MS = 10;
/** Commits per caller of the one-caller scenarios, and of the 64-caller ones. */
const SOLO_COMMITS = scaled(1_000, 100);
const CROWD_COMMITS = scaled(50, 10);
const BASELINE_MESSAGES = scaled(200_000, 20_000);
/** Repetitions of each scenario; the median (by wall-clock rate) is reported. */
const REPEATS = scaled(3, 1);

interface Run {
  readonly label: string;
  readonly commits: number;
  /** Operations that hit their deadline (NO_QUORUM) instead of committing. */
  readonly failures: number;
  readonly p50: number;
  readonly p99: number;
  readonly virtualCommitsPerSecond: number;
  readonly wallCommitsPerSecond: number;
  readonly messages: number;
}

/** `concurrency` independent callers, each committing `perCaller` registrations back to back. */
type KeyPattern = "new key per commit" | "same key per caller" | "one hot key, all callers";

function measure(seedCount: number, concurrency: number, perCaller: number, keys: KeyPattern): Run {
  const cluster = createCluster({
    seed: 42,
    seedCount,
    link: { latencyMs: LINK_LATENCY_MS, jitterMs: 0 },
  });
  const { sim } = cluster;
  const latencies: number[] = [];
  const startedAt = new Map<string, number>();
  const begin = (caller: number, index: number): void => {
    const seed = cluster.seeds[caller % seedCount] as string;
    const operationId = `${caller}:${index}`;
    startedAt.set(operationId, sim.now());
    const address =
      keys === "one hot key, all callers"
        ? "10.9.0.1:7000"
        : keys === "same key per caller"
          ? `10.9.${caller}.1:7000`
          : `10.9.${caller}.${index + 1}:7000`;
    cluster.command(seed, {
      type: "register",
      operationId,
      address,
      neighbours: [`10.8.0.${index % 200}:7000`],
    });
  };
  // completions are events on the seeds; poll them after each run step
  const seen = new Set<string>();
  let failures = 0;
  const errors: string[] = [];
  const wallStart = performance.now();
  const virtualStart = sim.now();
  for (let caller = 0; caller < concurrency; caller++) begin(caller, 0);
  const total = concurrency * perCaller;
  while (seen.size < total) {
    if (!sim.runNext()) break;
    for (const host of cluster.hosts.values()) {
      for (const event of host.events.splice(0)) {
        if (event.type !== "operation-completed" || seen.has(event.operationId)) continue;
        seen.add(event.operationId);
        if (event.result.ok) latencies.push(sim.now() - (startedAt.get(event.operationId) ?? 0));
        else {
          failures += 1;
          errors.push(`${event.result.error.code}: ${event.result.error.message}`);
        }
        const [caller, index] = event.operationId.split(":").map(Number) as [number, number];
        if (index + 1 < perCaller) begin(caller, index + 1);
      }
    }
  }
  const wallMs = performance.now() - wallStart;
  const virtualMs = sim.now() - virtualStart;
  latencies.sort((a, b) => a - b);
  const label = `${seedCount} seeds, ${concurrency} callers, ${keys}`;
  requireSamples(`${label}: commits`, latencies, errors);
  return {
    label,
    commits: latencies.length,
    failures,
    p50: quantile(latencies, 0.5),
    p99: quantile(latencies, 0.99),
    virtualCommitsPerSecond: (latencies.length / virtualMs) * 1000,
    wallCommitsPerSecond: (latencies.length / wallMs) * 1000,
    messages: sim.stats.sent,
  };
}

/** Baseline: the simulator alone moving the same number of messages between echo nodes. */
function baselineMessagesPerSecond(messages: number): number {
  const sim = createSimulation<{ n: number }>({ seed: 42, link: { latencyMs: LINK_LATENCY_MS } });
  let delivered = 0;
  sim.addNode("10.0.0.1:5000", (from, message) => {
    delivered += 1;
    if (delivered < messages) sim.send("10.0.0.1:5000", from, message);
  });
  sim.addNode("10.0.0.2:5000", (from, message) => {
    delivered += 1;
    if (delivered < messages) sim.send("10.0.0.2:5000", from, message);
  });
  const start = performance.now();
  for (let index = 0; index < 32; index++) sim.send("10.0.0.1:5000", "10.0.0.2:5000", { n: index });
  sim.runUntilIdle();
  return (delivered / (performance.now() - start)) * 1000;
}

await runBench(import.meta.url, "seed registry commits in simulation", () => {
  console.log(
    `link latency ${LINK_LATENCY_MS} ms one way (1 RTT = ${2 * LINK_LATENCY_MS} ms), no jitter, no loss`,
  );
  // warm-up
  measure(3, 64, CROWD_COMMITS, "new key per commit");
  measure(5, 64, CROWD_COMMITS, "new key per commit");
  const baselineBefore = baselineMessagesPerSecond(BASELINE_MESSAGES);
  const runs: Run[] = [];
  /** Repetitions of a scenario; the one with the median wall-clock rate is reported. */
  const median = (make: () => Run): Run => {
    const repeats = Array.from({ length: REPEATS }, make).sort(
      (a, b) => a.wallCommitsPerSecond - b.wallCommitsPerSecond,
    );
    return repeats[Math.floor(repeats.length / 2)] as Run;
  };
  for (const seedCount of [3, 5]) {
    runs.push(median(() => measure(seedCount, 1, SOLO_COMMITS, "new key per commit")));
    runs.push(median(() => measure(seedCount, 1, SOLO_COMMITS, "same key per caller")));
    runs.push(median(() => measure(seedCount, 64, CROWD_COMMITS, "new key per commit")));
    runs.push(
      median(() => measure(seedCount, 8, Math.ceil(CROWD_COMMITS / 2), "one hot key, all callers")),
    );
  }
  const baselineAfter = baselineMessagesPerSecond(BASELINE_MESSAGES);
  const baseline = (baselineBefore + baselineAfter) / 2;
  console.log(
    `baseline: the simulator alone moves ${Math.round(baselineBefore).toLocaleString("en")} (before) / ${Math.round(baselineAfter).toLocaleString("en")} (after) messages/s, wall clock`,
  );
  console.log(
    "wall cost vs baseline = wall time per commit / bare-simulator time for that commit's messages",
  );
  const rtt = 2 * LINK_LATENCY_MS;
  const rows: Cell[][] = runs.map((run) => {
    const messagesPerCommit = run.messages / run.commits;
    // how much slower than the simulator alone moving this commit's messages
    const cost = ratio(baseline / messagesPerCommit, run.wallCommitsPerSecond, run.label);
    return [
      run.label,
      run.commits,
      run.failures,
      `${run.p50.toFixed(0)} (${(run.p50 / rtt).toFixed(2)})`,
      `${run.p99.toFixed(0)} (${(run.p99 / rtt).toFixed(2)})`,
      Math.round(run.virtualCommitsPerSecond),
      Math.round(run.wallCommitsPerSecond),
      { value: messagesPerCommit, digits: 1 },
      `${cost.toFixed(2)}x`,
    ];
  });
  printTable(
    [
      "scenario",
      "commits",
      "NO_QUORUM",
      "p50 ms (RTTs)",
      "p99 ms (RTTs)",
      "commits/s virtual",
      "commits/s wall",
      "messages/commit",
      "wall cost vs baseline",
    ],
    rows,
  );
});
