// Kill → removal-accepted time and false reports for the liveness protocol, in virtual time.
// Run: pnpm --filter @p2p/liveness bench
import { cpus } from "node:os";
import { createSeededRandom } from "@p2p/wire";
import { livenessProfiles } from "../src/index.js";
import { livenessNetwork } from "../test/network.js";
import { preferentialAttachment } from "../test/overlay.js";

const cpu = cpus();
console.log(
  `machine: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} cores, Node ${process.version}`,
);
console.log(
  "profile   | N    | loss | killed | removed | p50 s | p99 s | false removals | rejected reports | naive false reports",
);

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;

function run(profileName: "fast" | "standard", peers: number, lossRate: number, seed: number) {
  const profile = livenessProfiles[profileName];
  const random = createSeededRandom(seed);
  const overlay = preferentialAttachment(peers, 3, random);
  const net = livenessNetwork(overlay, seed, lossRate, profile);
  const warmupMs = profile.pingIntervalMs * 5;
  net.sim.runFor(warmupMs);
  const killed = net.addresses.filter(() => random.next() < 0.05);
  const killedSet = new Set(killed);
  const killAt = net.sim.now();
  for (const address of killed) net.sim.crash(address);
  net.sim.runUntil(() => killed.every((a) => net.accepted.has(a)), {
    timeoutMs: profile.pingIntervalMs * 20,
  });
  const times = killed
    .filter((a) => net.accepted.has(a))
    .map((a) => ((net.accepted.get(a)?.atMs ?? 0) - killAt) / 1000)
    .sort((x, y) => x - y);
  const falseRemovals = [...net.accepted.keys()].filter((a) => !killedSet.has(a)).length;
  console.log(
    [
      profileName.padEnd(9),
      String(peers).padEnd(4),
      `${lossRate * 100}%`.padEnd(4),
      String(killed.length).padEnd(6),
      String(times.length).padEnd(7),
      quantile(times, 0.5).toFixed(2).padEnd(5),
      quantile(times, 0.99).toFixed(2).padEnd(5),
      String(falseRemovals).padEnd(14),
      String(net.rejected.length).padEnd(16),
      String(net.naiveFalseReports()),
    ].join(" | "),
  );
}

const started = performance.now();
for (const [profile, peers, loss] of [
  ["fast", 100, 0],
  ["fast", 100, 0.1],
  ["fast", 1000, 0],
  ["fast", 1000, 0.1],
  ["standard", 100, 0],
  ["standard", 100, 0.1],
  ["standard", 1000, 0.1],
] as const) {
  run(profile, peers, loss, 42);
}
console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
