/**
 * `pnpm soak`: the quorum simulation, many more schedules than the test suite runs. Each
 * schedule is one seeded workload (3 or 5 seeds, concurrent clients, loss, duplication,
 * reordering, random partitions, crashes at any point of the asynchronous store; every
 * fourth with commit certificates), checked for linearizability and the protocol monitors. Prints progress, then the totals and the seed of every failing schedule
 * (replay one with `P2P_SEED=<seed> pnpm soak --schedules 1`).
 *
 *   pnpm soak [--schedules 10000] [--from 100000] [--workers 2]
 *
 * Exits 1 when any schedule violates linearizability or a protocol monitor, 2 on bad
 * arguments.
 */
import { spawn } from "node:child_process";
import { availableParallelism, cpus } from "node:os";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  checkHistories,
  FAULTS,
  HOT_KEY,
  runWorkload,
  type WorkloadOptions,
} from "../test/workload.js";

/** One schedule's outcome, sent from a worker to the main thread. */
interface ScheduleResult {
  readonly seed: number;
  readonly profile: string;
  readonly violation: string | undefined;
  readonly undecided: number;
  readonly operations: number;
  readonly unknown: number;
}

const faults = FAULTS;

/** The workload profiles, taken in turn by seed. */
const profiles: readonly { readonly name: string; readonly options: Partial<WorkloadOptions> }[] = [
  { name: "3 seeds", options: { seedCount: 3, ...faults } },
  { name: "5 seeds", options: { seedCount: 5, ...faults } },
  {
    name: "hot key",
    options: { seedCount: 3, ...HOT_KEY },
  },
  { name: "3 seeds, certificates", options: { seedCount: 3, ...faults, certificates: true } },
];

function runSchedule(seed: number): ScheduleResult {
  const profile = profiles[seed % profiles.length] as (typeof profiles)[number];
  const options = { seedCount: 3, clients: 1, operationsPerClient: 1, keys: 1, ...profile.options };
  try {
    const result = runWorkload({ ...options, seed });
    const verdict = checkHistories(result);
    return {
      seed,
      profile: profile.name,
      violation:
        verdict.violation === undefined
          ? undefined
          : `${verdict.violation.key}: ${verdict.violation.reason}`,
      undecided: verdict.undecided,
      operations: result.answered + result.unknown,
      unknown: result.unknown,
    };
  } catch (error) {
    return {
      seed,
      profile: profile.name,
      violation: `the schedule threw: ${error instanceof Error ? error.message : String(error)}`,
      undecided: 0,
      operations: 0,
      unknown: 0,
    };
  }
}

/** A worker process (`--worker <seeds, comma-separated>`): one JSON line per schedule. */
const workerIndex = process.argv.indexOf("--worker");
if (workerIndex >= 0) {
  for (const seed of (process.argv[workerIndex + 1] ?? "").split(",").map(Number)) {
    process.stdout.write(`${JSON.stringify(runSchedule(seed))}\n`);
  }
} else {
  await main();
}

async function main(): Promise<void> {
  let values: { schedules: string; from: string; workers: string; help: boolean };
  try {
    values = parseArgs({
      options: {
        schedules: { type: "string", default: "10000" },
        from: { type: "string", default: "100000" },
        workers: { type: "string", default: String(Math.max(1, availableParallelism())) },
        help: { type: "boolean", default: false },
      },
    }).values as typeof values;
  } catch (error) {
    console.error(`soak: ${error instanceof Error ? error.message : String(error)} (see --help)`);
    process.exit(2);
  }
  if (values.help) {
    console.log("usage: pnpm soak [--schedules 10000] [--from 100000] [--workers N]");
    return;
  }
  const replay = process.env.P2P_SEED;
  const count = Number(values.schedules);
  const from = replay === undefined || replay === "" ? Number(values.from) : Number(replay);
  const workerCount = Number(values.workers);
  for (const [name, value] of [
    ["--schedules", count],
    ["--from", from],
    ["--workers", workerCount],
  ] as const) {
    if (!Number.isSafeInteger(value) || value < (name === "--from" ? 0 : 1)) {
      console.error(`soak: ${name} must be a whole number${name === "--from" ? "" : " ≥ 1"}`);
      process.exit(2);
    }
  }

  const seeds = Array.from({ length: count }, (_, index) => from + index);
  const shares = Array.from({ length: Math.min(workerCount, count) }, (_, worker) =>
    seeds.filter((_, index) => index % workerCount === worker),
  );
  const started = Date.now();
  const results: ScheduleResult[] = [];
  const isTty = process.stderr.isTTY === true;
  let lastPrinted = 0;
  const progress = (force = false): void => {
    const now = Date.now();
    if (!force && now - lastPrinted < (isTty ? 200 : 10_000)) return;
    lastPrinted = now;
    const done = results.length;
    const width = 30;
    const filled = Math.round((done / count) * width);
    const elapsed = (now - started) / 1000;
    const eta = done === 0 ? "?" : `${Math.round((elapsed / done) * (count - done))} s`;
    const violations = results.filter((result) => result.violation !== undefined).length;
    const line = `[${"#".repeat(filled)}${".".repeat(width - filled)}] ${done}/${count} schedules, ${violations} violations, ${elapsed.toFixed(0)} s, ETA ${eta}`;
    process.stderr.write(isTty ? `\r${line}` : `${line}\n`);
  };

  await Promise.all(
    shares.map(
      (share) =>
        new Promise<void>((resolve, reject) => {
          // A process per worker (the TypeScript loader of this process comes along).
          const worker = spawn(
            process.execPath,
            [...process.execArgv, fileURLToPath(import.meta.url), "--worker", share.join(",")],
            { stdio: ["ignore", "pipe", "inherit"] },
          );
          createInterface({ input: worker.stdout }).on("line", (line) => {
            results.push(JSON.parse(line) as ScheduleResult);
            progress();
          });
          worker.on("error", reject);
          worker.on("exit", (code) =>
            code === 0 ? resolve() : reject(new Error(`a soak worker exited with ${code}`)),
          );
        }),
    ),
  );
  progress(true);
  if (isTty) process.stderr.write("\n");

  const seconds = (Date.now() - started) / 1000;
  const failures = results.filter((result) => result.violation !== undefined);
  const operations = results.reduce((sum, result) => sum + result.operations, 0);
  const unknown = results.reduce((sum, result) => sum + result.unknown, 0);
  const undecided = results.reduce((sum, result) => sum + result.undecided, 0);
  const cpu = cpus()[0]?.model.trim() ?? "unknown CPU";
  console.log(
    `soak: ${results.length} schedules (${profiles.map((profile) => profile.name).join(", ")}, in turn) from seed ${from}, ${workerCount} workers, ${seconds.toFixed(0)} s on ${cpus().length} × ${cpu}, Node ${process.versions.node}`,
  );
  console.log(
    `  client operations: ${operations}, outcome unknown: ${unknown} (${((unknown / Math.max(1, operations)) * 100).toFixed(1)} %); keys the checker left undecided: ${undecided}`,
  );
  console.log(`  violations: ${failures.length}`);
  for (const failure of failures.sort((a, b) => a.seed - b.seed)) {
    console.log(`  seed ${failure.seed} (${failure.profile}): ${failure.violation}`);
    console.log(`    replay: P2P_SEED=${failure.seed} pnpm soak --schedules 1 --workers 1`);
  }
  if (results.length !== count) {
    console.error(`soak: only ${results.length} of ${count} schedules reported`);
    process.exit(1);
  }
  process.exit(failures.length === 0 ? 0 : 1);
}
