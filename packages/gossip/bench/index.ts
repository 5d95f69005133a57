// Dissemination on a power-law overlay, every peer publishing one message: latency (ms and in
// link-latency units), hops and copies received per peer per message, flooding against a
// random-fanout push measured in the same run; then a stream of messages at 0% and 10% frame
// loss, flooding against Plumtree (bench/stream.ts). Virtual time on @p2p/sim. Exits non-zero
// when flooding does not reach every peer, or Plumtree every peer at any loss.
// Run: pnpm bench gossip/index   (--quick: N = 100 only)
import { performance } from "node:perf_hooks";
import { createSeededRandom } from "@p2p/wire";
import {
  type Cell,
  fail,
  printRow,
  printTable,
  ratio,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import type { GossipConfigInput } from "../src/index.js";
import { gossipNetwork } from "../test/network.js";
import { addressOf, distancesFrom, preferentialAttachment, summary } from "../test/overlay.js";
import { streamBench } from "./stream.js";

const LATENCY_MS = 10;
const JITTER_MS = 5;
const LINKS_PER_JOINER = 2;
const FANOUT = 3;
const SEED = 42;
const SIZES = scaled([100, 1000], [100]);

interface Result {
  policy: string;
  peers: number;
  reach: number;
  latencyMs: ReturnType<typeof summary>;
  hops: ReturnType<typeof summary>;
  copies: number;
  wallS: number;
}

function run(peers: number, forwarding: GossipConfigInput["forwarding"]): Result {
  const overlay = preferentialAttachment(peers, LINKS_PER_JOINER, createSeededRandom(SEED + peers));
  const net = gossipNetwork(overlay, SEED + peers, {
    latencyMs: LATENCY_MS,
    jitterMs: JITTER_MS,
    forwarding,
    catchUp: false,
  });
  const started = performance.now();
  net.connect();
  for (const origin of net.addresses) net.publish(origin, `from ${origin}`);
  net.sim.runUntilIdle({ maxTimeMs: 600_000 });
  const wallS = (performance.now() - started) / 1000;
  let received = 0;
  for (const machine of net.machines.values()) received += machine.inspect().counters.received;
  const expected = peers * (peers - 1);
  return {
    policy: forwarding?.type === "random-fanout" ? `fanout ${FANOUT}` : "flood",
    peers,
    reach: net.deliveries.length / expected,
    latencyMs: summary(net.deliveries.map((d) => d.atMs - (net.publishedAt.get(d.id) ?? 0))),
    hops: summary(net.deliveries.map((d) => d.hops)),
    copies: received / expected,
    wallS,
  };
}

/** Exact diameter: the largest BFS eccentricity over every node. */
function diameterOf(peers: number): number {
  const overlay = preferentialAttachment(peers, LINKS_PER_JOINER, createSeededRandom(SEED + peers));
  let diameter = 0;
  for (let index = 0; index < peers; index++)
    diameter = Math.max(diameter, ...distancesFrom(overlay, addressOf(index)).values());
  return diameter;
}

const fixed = (value: number, digits = 1) => value.toFixed(digits);

await runBench(
  import.meta.url,
  "dissemination on a power-law overlay, flood against fanout and Plumtree",
  () => {
    console.log(
      `links ${LATENCY_MS} ± ${JITTER_MS} ms, preferential attachment k = ${LINKS_PER_JOINER}, every peer publishes once`,
    );
    const rows: Cell[][] = [];
    const notes: [string, string][] = [];
    for (const peers of SIZES) {
      const diameter = diameterOf(peers);
      const flood = run(peers, { type: "flood" });
      const fanout = run(peers, { type: "random-fanout", fanout: FANOUT });
      // Flooding must reach every peer, and random fanout some: anything else is a broken run.
      if (flood.reach !== 1 || !(fanout.reach > 0)) {
        fail(
          `N=${peers}: flood reach ${flood.reach}, fanout reach ${fanout.reach} (expected 1 and > 0)`,
        );
      }
      for (const result of [flood, fanout]) {
        const latency = result.latencyMs;
        rows.push([
          `${peers} ${result.policy}`,
          `${fixed(result.reach * 100, 2)}%`,
          `${fixed(latency.p50)} / ${fixed(latency.p99)} / ${fixed(latency.max)}`,
          `${fixed(latency.p50 / LATENCY_MS, 2)} / ${fixed(latency.p99 / LATENCY_MS, 2)}`,
          `${result.hops.p50} / ${result.hops.p99} / ${result.hops.max}`,
          { value: result.copies, digits: 2 },
          { value: result.wallS, digits: 1 },
        ]);
      }
      const bound = diameter * (LATENCY_MS + JITTER_MS) * 1.1;
      const what = `N=${peers} flood / fanout ${FANOUT}`;
      notes.push([
        what,
        `  N=${peers}: diameter ${diameter}; flood max latency ${fixed(flood.latencyMs.max)} ms vs ` +
          `diameter × worst link (${LATENCY_MS + JITTER_MS} ms) + 10% = ${fixed(bound)} ms ` +
          `(diameter × mean link + 10% = ${fixed(diameter * LATENCY_MS * 1.1)} ms); ` +
          `flood / fanout ${FANOUT} (baseline): latency p50 ×${fixed(ratio(flood.latencyMs.p50, fanout.latencyMs.p50, `${what} latency`), 2)}, ` +
          `copies ×${fixed(ratio(flood.copies, fanout.copies, `${what} copies`), 2)}, reach ${fixed(flood.reach * 100, 2)}% vs ${fixed(fanout.reach * 100, 2)}%`,
      ]);
    }
    printTable(
      [
        "N policy",
        "reach",
        "latency p50 / p99 / max ms",
        "in link latencies p50 / p99",
        "hops p50 / p99 / max",
        "copies/peer/msg",
        "wall s",
      ],
      rows,
    );
    for (const [what, line] of notes) printRow(what, line);
    streamBench(scaled(1000, 100), scaled(100, 20));
  },
);
