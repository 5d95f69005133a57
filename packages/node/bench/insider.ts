// Detection with and without an insider attacker, in simulation: real SeedNodes (3, quorum
// commit) and PeerNodes; the attacker holds 10% of the members, each identity on its own host,
// and uses every message a member may send (test/insider-attacker.ts). The baseline is the same
// network without the attacker, measured in the same run.
// Run: pnpm bench node/insider   (--quick: 20 honest peers; P2P_INSIDER_PEERS=200 to choose)
import {
  fail,
  printRow,
  ratio,
  requireSamples,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import { type InsiderResult, quantile, runInsider } from "../test/insider-network.js";

const honestPeers = Number(process.env.P2P_INSIDER_PEERS ?? scaled(900, 20));
const seed = Number(process.env.P2P_SEED ?? 20261202);

await runBench(import.meta.url, "detection with and without an insider attacker", async () => {
  if (!Number.isInteger(honestPeers) || honestPeers < 20) {
    fail(`P2P_INSIDER_PEERS must be an integer ≥ 20, got ${process.env.P2P_INSIDER_PEERS}`);
  }
  const attackerIdentities = Math.round(honestPeers / 9); // 10% of all members
  const crashes = Math.max(3, Math.round(honestPeers * 0.05));
  console.log(
    `${honestPeers} honest peers + ${attackerIdentities} attacker identities (10%), ${crashes} crashes, seed ${seed}`,
  );

  const runs: InsiderResult[] = [];
  for (const attackers of [0, attackerIdentities]) {
    const started = performance.now();
    const result = await runInsider({
      seed,
      honestPeers,
      attackerIdentities: attackers,
      crashes,
      // Every peer checks every message of the attacker's own, and the simulator does all their
      // work in this one process: one of its messages per identity every 5 rounds (10 s).
      floodEvery: 5,
      progress: (line) => console.log(`  ${line}`),
    });
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${attackers === 0 ? "without" : "with"} the attacker: done in ${seconds.toFixed(0)} s of wall time`,
    );
    requireSamples(
      `${attackers === 0 ? "without" : "with"} the attacker: removals`,
      result.removalSeconds,
      result.notRemoved.map((address) => `crashed peer ${address} not removed everywhere`),
    );
    runs.push(result);
  }

  const [baseline, attacked] = runs as [InsiderResult, InsiderResult];
  const fixed = (value: number) => value.toFixed(2);
  const row = (label: string, result: InsiderResult) => {
    const p50 = quantile(result.removalSeconds, 0.5);
    const p99 = quantile(result.removalSeconds, 0.99);
    return { label, result, p50, p99 };
  };
  const rows = [row("without attacker (baseline)", baseline), row("with attacker (10%)", attacked)];
  console.log("");
  console.log(
    "| run | crashed | of them with an attacker neighbour | removed everywhere | detection p50 s | p99 s | live peers removed | attacker members | mutual edges to honest peers |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const { label, result, p50, p99 } of rows) {
    printRow(
      label,
      `| ${label} | ${result.run.crashes} | ${result.crashedWithAttackerNeighbour} | ${result.removalSeconds.length} | ${fixed(p50)} | ${fixed(p99)} | ${result.falseRemovals.length} | ${result.attackerMembers} | ${result.attackerMutualEdges} |`,
    );
  }
  const [base, attack] = rows as [(typeof rows)[0], (typeof rows)[0]];
  console.log("");
  const what = "ratio with/without the attacker";
  printRow(
    what,
    `${what}: p50 ${fixed(ratio(attack.p50, base.p50, `${what}, p50`))}×, p99 ${fixed(ratio(attack.p99, base.p99, `${what}, p99`))}×`,
  );
  if (attacked.attack !== undefined) {
    const counts = Object.entries(attacked.attack)
      .map(([kind, count]) => `${kind} ${count}`)
      .join(", ");
    console.log(`attacker sent: ${counts}`);
  }

  const failures = runs.flatMap((result) => [
    ...result.falseRemovals.map((address) => `live peer ${address} removed`),
    ...result.notRemoved.map((address) => `crashed peer ${address} not removed everywhere`),
  ]);
  if (failures.length > 0) fail(`${failures.length} failures:\n  ${failures.join("\n  ")}`);
});
