#!/usr/bin/env node
// `pnpm bench [--quick] [--list] [--verbose] [filter…]`: runs every benchmark, one after another,
// and prints one line per benchmark with its time. A benchmark is one command of a package's
// `bench` script (commands joined by `&&`), named `<package dir>/<file>` (e.g. `wire/link`).
//   --quick    a smoke run (P2P_BENCH_QUICK=1: sizes scaled down); output shown only on failure
//   --list     prints the benchmarks' names and exits
//   --verbose  shows every benchmark's output in a quick run too
//   filter     runs only the benchmarks whose name contains one of the filters
// Stops at the first failing benchmark, naming it, with exit code 1 (64 for a usage error).
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, delimiter, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
/** A benchmark that runs longer than this is killed and fails the run. */
const TIMEOUT_MS = { quick: 120_000, full: 3_600_000 };

/** Every benchmark of the workspace, in package order: `{ name, directory, command }`. */
function benchmarks() {
  const found = [];
  for (const group of ["packages", "apps"]) {
    for (const entry of readdirSync(join(root, group), { withFileTypes: true })) {
      const directory = join(root, group, entry.name);
      const manifest = join(directory, "package.json");
      if (!entry.isDirectory() || !existsSync(manifest)) continue;
      const script = JSON.parse(readFileSync(manifest, "utf8")).scripts?.bench;
      if (typeof script !== "string") continue;
      for (const command of script.split("&&").map((part) => part.trim())) {
        const file = command.split(/\s+/).find((word) => /\.[cm]?[jt]s$/.test(word));
        const name = `${entry.name}/${file === undefined ? "bench" : basename(file).replace(/\.[cm]?[jt]s$/, "")}`;
        found.push({ name, directory, command });
      }
    }
  }
  return found;
}

/** Runs one benchmark; resolves with its exit code, wall seconds and (when captured) output. */
function run(bench, { isQuick, isCaptured }) {
  const started = performance.now();
  const env = {
    ...process.env,
    PATH: [
      join(bench.directory, "node_modules", ".bin"),
      join(root, "node_modules", ".bin"),
      process.env.PATH,
    ].join(delimiter),
    ...(isQuick ? { P2P_BENCH_QUICK: "1" } : {}),
  };
  const child = spawn(bench.command, {
    cwd: bench.directory,
    env,
    shell: true,
    detached: true,
    stdio: isCaptured ? ["ignore", "pipe", "pipe"] : "inherit",
  });
  let output = "";
  child.stdout?.on("data", (chunk) => (output += chunk));
  child.stderr?.on("data", (chunk) => (output += chunk));
  const limitMs = isQuick ? TIMEOUT_MS.quick : TIMEOUT_MS.full;
  let isTimedOut = false;
  const timer = setTimeout(() => {
    isTimedOut = true;
    process.kill(-child.pid, "SIGKILL");
  }, limitMs);
  return new Promise((resolve) => {
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      const seconds = (performance.now() - started) / 1000;
      const reason = isTimedOut
        ? `timed out after ${limitMs / 1000} s`
        : signal !== null
          ? `killed by ${signal}`
          : `exit code ${code}`;
      resolve({ code: code === 0 && !isTimedOut ? 0 : (code ?? 1) || 1, reason, seconds, output });
    });
  });
}

async function main() {
  const args = process.argv.slice(2);
  const flags = new Set(args.filter((arg) => arg.startsWith("-")));
  const filters = args.filter((arg) => !arg.startsWith("-"));
  const unknown = [...flags].filter((flag) => !["--quick", "--list", "--verbose"].includes(flag));
  if (unknown.length > 0) {
    console.error(
      `pnpm bench: unknown option ${unknown[0]}; use --quick, --list, --verbose or a name filter`,
    );
    return 64;
  }
  const all = benchmarks();
  const selected = all.filter(
    (bench) => filters.length === 0 || filters.some((filter) => bench.name.includes(filter)),
  );
  if (selected.length === 0) {
    console.error(`pnpm bench: no benchmark matches ${filters.join(", ")}; try pnpm bench --list`);
    return 64;
  }
  if (flags.has("--list")) {
    for (const bench of selected) console.log(`${bench.name.padEnd(20)} ${bench.command}`);
    return 0;
  }
  const isQuick = flags.has("--quick");
  const isCaptured = isQuick && !flags.has("--verbose");
  const width = Math.max(...selected.map((bench) => bench.name.length));
  console.log(
    `${isQuick ? "quick run of" : "running"} ${selected.length} benchmarks, one after another`,
  );
  const started = performance.now();
  for (const bench of selected) {
    if (!isCaptured) console.log(`\n=== ${bench.name}: ${bench.command}`);
    const result = await run(bench, { isQuick, isCaptured });
    const time = `${result.seconds.toFixed(1).padStart(6)} s`;
    if (result.code !== 0) {
      if (isCaptured) process.stderr.write(result.output);
      console.error(`FAIL ${bench.name.padEnd(width)} ${time}  (${result.reason})`);
      console.error(
        `pnpm bench: ${bench.name} failed; rerun it alone with: pnpm bench ${isQuick ? "--quick " : ""}${bench.name}`,
      );
      return 1;
    }
    console.log(`ok   ${bench.name.padEnd(width)} ${time}`);
  }
  console.log(
    `all ${selected.length} benchmarks passed in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return 0;
}

process.exitCode = await main();
