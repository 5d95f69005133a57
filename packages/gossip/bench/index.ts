// Dissemination on a power-law overlay, every peer publishing one message: latency (ms and in
// link-latency units), hops and copies received per peer per message, flooding against a
// random-fanout push measured in the same run. Virtual time on @p2p/sim. Exits non-zero when
// flooding does not reach every peer.
// Run: pnpm --filter @p2p/gossip bench
import { cpus } from "node:os";
import { performance } from "node:perf_hooks";
import { createSeededRandom } from "@p2p/wire";
import type { GossipConfigInput } from "../src/index.js";
import { gossipNetwork } from "../test/network.js";
import { addressOf, distancesFrom, preferentialAttachment, summary } from "../test/overlay.js";

const LATENCY_MS = 10;
const JITTER_MS = 5;
const LINKS_PER_JOINER = 2;
const FANOUT = 3;
const SEED = 42;

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} cores, Node ${process.version}; ` +
    `links ${LATENCY_MS} ± ${JITTER_MS} ms, preferential attachment k = ${LINKS_PER_JOINER}, every peer publishes once`,
);

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
console.log(
  "N     | policy   | reach   | latency p50 / p99 / max ms | in link latencies p50 / p99 | hops p50 / p99 / max | copies/peer/msg | wall s",
);
const rows: Result[] = [];
for (const peers of [100, 1000]) {
  const diameter = diameterOf(peers);
  const flood = run(peers, { type: "flood" });
  const fanout = run(peers, { type: "random-fanout", fanout: FANOUT });
  for (const result of [flood, fanout]) {
    rows.push(result);
    console.log(
      [
        String(peers).padEnd(5),
        result.policy.padEnd(8),
        `${fixed(result.reach * 100, 2)}%`.padEnd(7),
        `${fixed(result.latencyMs.p50)} / ${fixed(result.latencyMs.p99)} / ${fixed(result.latencyMs.max)}`.padEnd(
          26,
        ),
        `${fixed(result.latencyMs.p50 / LATENCY_MS, 2)} / ${fixed(result.latencyMs.p99 / LATENCY_MS, 2)}`.padEnd(
          27,
        ),
        `${result.hops.p50} / ${result.hops.p99} / ${result.hops.max}`.padEnd(20),
        fixed(result.copies, 2).padEnd(15),
        fixed(result.wallS, 1),
      ].join(" | "),
    );
  }
  // Flooding must reach every peer, and random fanout some: anything else is a broken run.
  if (flood.reach !== 1 || !(fanout.reach > 0)) {
    console.error(
      `bench failed: N=${peers} flood reach ${flood.reach}, fanout reach ${fanout.reach} (expected 1 and > 0)`,
    );
    process.exit(1);
  }
  const bound = diameter * (LATENCY_MS + JITTER_MS) * 1.1;
  console.log(
    `  N=${peers}: diameter ${diameter}; flood max latency ${fixed(flood.latencyMs.max)} ms vs ` +
      `diameter × worst link (${LATENCY_MS + JITTER_MS} ms) + 10% = ${fixed(bound)} ms ` +
      `(diameter × mean link + 10% = ${fixed(diameter * LATENCY_MS * 1.1)} ms); ` +
      `flood / fanout ${FANOUT}: latency p50 ×${fixed(flood.latencyMs.p50 / fanout.latencyMs.p50, 2)}, ` +
      `copies ×${fixed(flood.copies / fanout.copies, 2)}, reach ${fixed(flood.reach * 100, 2)}% vs ${fixed(fanout.reach * 100, 2)}%`,
  );
}
