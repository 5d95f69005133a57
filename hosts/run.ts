/**
 * `pnpm test:hosts [--scenario 1,5] [--peers N] [--duration-scale x] [--joins N]`: runs the
 * built seed, peer and members bins on hosts made of network namespaces, injects real faults
 * (nft loss and partitions, a delaying relay, faketime clock steps, kill -9) and checks each
 * scenario's promise. Writes hosts/results.md; exits 1 when a scenario fails. Needs root.
 *
 * `run.ts --relay …` is the delaying relay run inside a host (see lib/relay.ts).
 */
import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "./lib/cluster.js";
import { Network } from "./lib/net.js";
import { stopAll } from "./lib/procs.js";
import { runRelay } from "./lib/relay.js";
import type { RunOptions, Scenario, ScenarioReport } from "./lib/scenario.js";
import { scenarioGossip } from "./scenarios/1-gossip.js";
import { scenarioLossDelay } from "./scenarios/2-loss-delay.js";
import { scenarioOneWay } from "./scenarios/3-one-way.js";
import { scenarioStorm } from "./scenarios/4-storm.js";
import { scenarioSeedRestarts } from "./scenarios/5-seed-restarts.js";
import { scenarioClockStep } from "./scenarios/6-clock-step.js";

/** In the order they run. */
const SCENARIOS: readonly Scenario[] = [
  scenarioGossip,
  scenarioSeedRestarts,
  scenarioStorm,
  scenarioClockStep,
  scenarioOneWay,
  scenarioLossDelay,
];

interface Outcome {
  readonly scenario: Scenario;
  readonly seconds: number;
  readonly report: ScenarioReport;
}

function parseOptions(argv: readonly string[]): { ids: number[]; options: RunOptions } {
  let ids = SCENARIOS.map((scenario) => scenario.id);
  let peers = 30;
  let durationScale = 1;
  let joins = 1000;
  for (let index = 0; index < argv.length; index++) {
    const value = argv[index + 1];
    switch (argv[index]) {
      case "--scenario":
        ids = (value ?? "").split(",").map(Number);
        index++;
        break;
      case "--peers":
        peers = Number(value);
        index++;
        break;
      case "--joins":
        joins = Number(value);
        index++;
        break;
      case "--duration-scale":
        durationScale = Number(value);
        index++;
        break;
      default:
        throw new Error(`test:hosts: unknown argument ${argv[index]}`);
    }
  }
  const unknown = ids.filter((id) => !SCENARIOS.some((scenario) => scenario.id === id));
  if (unknown.length > 0) throw new Error(`test:hosts: no scenario ${unknown.join(", ")}`);
  if (!Number.isInteger(peers) || peers < 3) throw new Error("test:hosts: --peers must be ≥ 3");
  if (!(durationScale > 0)) throw new Error("test:hosts: --duration-scale must be > 0");
  if (!Number.isInteger(joins) || joins < 3) throw new Error("test:hosts: --joins must be ≥ 3");
  return { ids, options: { peers, durationScale, joins } };
}

/**
 * The newest modification time of the files under `directory` (0 when it does not exist),
 * tests left out (they are not built).
 */
function newestFile(directory: string): number {
  if (!existsSync(directory)) return 0;
  let newest = 0;
  for (const entry of readdirSync(directory, { recursive: true, withFileTypes: true })) {
    if (entry.isFile() && !entry.name.endsWith(".test.ts"))
      newest = Math.max(newest, statSync(join(entry.parentPath, entry.name)).mtimeMs);
  }
  return newest;
}

/**
 * Builds the packages and apps when a dist directory is missing or older than its sources
 * (the scenarios run the built bins: a stale dist would test old code).
 */
function buildIfNeeded(): void {
  const needed = ["wire", "quorum", "gossip", "liveness", "topology", "node"].map(
    (name) => `packages/${name}`,
  );
  needed.push("apps/cli-support", "apps/seed", "apps/peer");
  const stale = needed.filter((path) => {
    const built = newestFile(join(ROOT, path, "dist"));
    return built === 0 || newestFile(join(ROOT, path, "src")) > built;
  });
  if (stale.length === 0) return;
  console.log(`test:hosts: building first (missing or stale: ${stale.join(", ")})`);
  execFileSync("npx", ["-y", "pnpm@10.34.9", "build"], { cwd: ROOT, stdio: "inherit" });
}

/** iproute2, to list the namespaces left behind. */
const IP_COMMAND = "ip";
let current: Network | undefined;
/** Set by SIGINT/SIGTERM: no further scenario starts while the harness cleans up. */
let isStopping = false;

async function cleanUp(): Promise<void> {
  await stopAll();
  current?.teardown();
  current = undefined;
}

async function runScenario(scenario: Scenario, options: RunOptions): Promise<Outcome> {
  const started = Date.now();
  const directory = mkdtempSync(join(tmpdir(), `p2p-hosts-${scenario.id}-`));
  const log = (line: string) =>
    console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${scenario.id}: ${line}`);
  log(scenario.title);
  let report: ScenarioReport;
  try {
    current = new Network(process.pid);
    report = await scenario.run({ network: current, directory, options, log });
  } catch (error) {
    report = {
      faults: "—",
      operations: "—",
      violations: [`aborted: ${error instanceof Error ? error.message : String(error)}`],
      delay: "—",
    };
  } finally {
    await cleanUp();
  }
  const left = execFileSync(IP_COMMAND, ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .filter((line) => line.startsWith(`p2ph${process.pid}-`));
  if (left.length > 0) report.violations.push(`namespaces left behind: ${left.join(", ")}`);
  if (report.violations.length === 0) rmSync(directory, { recursive: true, force: true });
  else log(`kept ${directory} (logs of the failed run)`);
  const seconds = (Date.now() - started) / 1000;
  log(`${report.violations.length === 0 ? "pass" : "FAIL"} in ${seconds.toFixed(0)} s`);
  for (const violation of report.violations) log(`  violation: ${violation}`);
  return { scenario, seconds, report };
}

function resultsTable(outcomes: readonly Outcome[]): string {
  const cell = (text: string) => text.replaceAll("|", "\\|").replaceAll("\n", " ");
  const rows = outcomes.map(({ scenario, seconds, report }) =>
    [
      `${scenario.id}. ${scenario.title}`,
      `${seconds.toFixed(0)} s`,
      report.faults,
      report.operations + (report.notes === undefined ? "" : `; ${report.notes}`),
      report.violations.length === 0 ? "0" : report.violations.join("; "),
      report.violations.length === 0 ? "pass" : "**fail**",
      report.delay,
    ]
      .map(cell)
      .join(" | "),
  );
  return [
    "| scenario | duration | faults injected | operations | violations | result | delay |",
    "| --- | --- | --- | --- | --- | --- | --- |",
    ...rows.map((row) => `| ${row} |`),
  ].join("\n");
}

async function main(): Promise<void> {
  if (process.argv[2] === "--relay") {
    runRelay(process.argv.slice(3));
    return;
  }
  if (process.getuid?.() !== 0) {
    console.log("test:hosts needs root (network namespaces); skipped");
    return;
  }
  const { ids, options } = parseOptions(process.argv.slice(2));
  buildIfNeeded();
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      isStopping = true;
      console.log(`test:hosts: ${signal}: stopping every process and removing the namespaces`);
      void cleanUp().finally(() => process.exit(signal === "SIGINT" ? 130 : 143));
    });
  }
  const started = Date.now();
  const outcomes: Outcome[] = [];
  for (const scenario of SCENARIOS) {
    if (isStopping) break;
    if (ids.includes(scenario.id)) outcomes.push(await runScenario(scenario, options));
  }
  const table = resultsTable(outcomes);
  const total = ((Date.now() - started) / 1000).toFixed(0);
  const header = `# test:hosts results\n\n${new Date().toISOString()}, ${options.peers} peers, ${options.joins} joins, duration scale ${options.durationScale}, ${total} s in all.\n\n`;
  writeFileSync(join(ROOT, "hosts", "results.md"), `${header}${table}\n`);
  console.log(`\n${table}\n\ntest:hosts: ${total} s; results in hosts/results.md`);
  const failed = outcomes.filter((outcome) => outcome.report.violations.length > 0);
  for (const { scenario, report } of failed) {
    console.error(`test:hosts: scenario ${scenario.id} failed: ${report.violations.join("; ")}`);
  }
  if (failed.length > 0) process.exitCode = 1;
}

try {
  await main();
} catch (error) {
  await cleanUp();
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
}
