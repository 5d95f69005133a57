// Kill → removal-accepted time and false reports for the liveness protocol, in virtual time,
// against a naive detector (remove on the first suspicion) read from the same run.
// Run: pnpm bench liveness   (--quick: N = 100 only; the full run includes N = 10,000, about
// two minutes of it)
import { createSeededRandom } from "@p2p/wire";
import {
  type Cell,
  fail,
  printTable,
  quantile,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import { livenessProfiles } from "../src/index.js";
import { livenessNetwork } from "../test/network.js";
import { preferentialAttachment } from "../test/overlay.js";

type ProfileName = "fast" | "standard";

const SCENARIOS: readonly (readonly [ProfileName, number, number])[] = scaled(
  [
    ["fast", 100, 0],
    ["fast", 100, 0.1],
    ["fast", 1000, 0],
    ["fast", 1000, 0.1],
    // Detection must not grow with N: 10,000 peers at 10 % loss (the 0 % row adds nothing).
    ["fast", 10_000, 0.1],
    ["standard", 100, 0],
    ["standard", 100, 0.1],
    ["standard", 1000, 0.1],
  ],
  [
    ["fast", 100, 0],
    ["fast", 100, 0.1],
    ["standard", 100, 0.1],
  ],
);

function run(profileName: ProfileName, peers: number, lossRate: number, seed: number): Cell[] {
  const profile = livenessProfiles[profileName];
  const random = createSeededRandom(seed);
  const overlay = preferentialAttachment(peers, 3, random);
  const net = livenessNetwork(overlay, seed, lossRate, profile);
  const started = performance.now();
  const startedAtMs = net.sim.now();
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
  const name = `${profileName} N=${peers} loss ${lossRate * 100}%`;
  if (killed.length === 0) fail(`${name}: no peer was killed`);
  if (times.length === 0) fail(`${name}: none of the ${killed.length} killed peers was removed`);
  const falseRemovals = [...net.accepted.keys()].filter((a) => !killedSet.has(a)).length;
  return [
    profileName,
    peers,
    `${lossRate * 100}%`,
    killed.length,
    times.length,
    { value: quantile(times, 0.5), digits: 2 },
    { value: quantile(times, 0.99), digits: 2 },
    falseRemovals,
    net.rejected.length,
    net.naiveFalseReports(),
    // Virtual time simulated per wall-clock time (the peers' and the seed's work, not the setup).
    { value: (net.sim.now() - startedAtMs) / (performance.now() - started), digits: 2 },
  ];
}

await runBench(import.meta.url, "kill → removal accepted, false reports", () => {
  const started = performance.now();
  const rows = SCENARIOS.map(([profile, peers, loss]) => run(profile, peers, loss, 42));
  printTable(
    [
      "profile",
      "N",
      "loss",
      "killed",
      "removed",
      "p50 s",
      "p99 s",
      "false removals",
      "rejected reports",
      "naive false reports (baseline)",
      "× real time",
    ],
    rows,
  );
  console.log(`wall time ${((performance.now() - started) / 1000).toFixed(1)} s`);
});
