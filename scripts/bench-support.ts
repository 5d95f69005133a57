// What every benchmark shares: quick mode, the machine it ran on, ratios and tables that refuse
// non-finite numbers, and a runner that turns any failure into a non-zero exit with its message.
// A benchmark that fails to do its work exits non-zero; it never prints a table of NaN.
import { cpus } from "node:os";
import { basename, dirname } from "node:path";
import { fileURLToPath } from "node:url";

/** The switches of a benchmark run, read from the environment that `pnpm bench` sets. */
const { P2P_BENCH_QUICK, P2P_BENCH_FORCE_FAIL } = process.env;

/** P2P_BENCH_QUICK=1 (`pnpm bench --quick`): a smoke run, scaled down to finish in seconds. */
const isQuick = P2P_BENCH_QUICK === "1";

/** `full` in a real run, `quick` in a smoke run. */
export function scaled<T>(full: T, quick: T): T {
  return isQuick ? quick : full;
}

/** The machine a benchmark ran on: CPU model × cores, Node version. */
function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model.trim() ?? "unknown CPU"} × ${cores.length} cores, Node ${process.version}`;
}

/** A benchmark that did not do its work: no samples, every operation failed, a broken check. */
class BenchError extends Error {
  override readonly name = "BenchError";
}

/** Throws a BenchError with `message`. */
export function fail(message: string): never {
  throw new BenchError(message);
}

/** The name of the running benchmark (`<package dir>/<file>`), set by `runBench`. */
let current = "";
/** P2P_BENCH_FORCE_FAIL=<bench name>: that bench's first checked number becomes NaN. */
let isForcedToFail = false;

/** `value` if it is a finite number; otherwise throws, naming `what` (row and column). */
function finite(value: number, what: string): number {
  if (isForcedToFail) {
    isForcedToFail = false;
    return finite(Number.NaN, `${what} (forced by P2P_BENCH_FORCE_FAIL=${current})`);
  }
  if (!Number.isFinite(value)) fail(`${what}: ${String(value)}, not a finite number`);
  return value;
}

/** `value / baseline`, both measured in the same run; throws unless all three are finite. */
export function ratio(value: number, baseline: number, what: string): number {
  finite(value, what);
  if (!(finite(baseline, `${what} (baseline)`) > 0)) fail(`${what}: baseline ${baseline} ≤ 0`);
  return value / baseline;
}

/**
 * Checks a measurement produced something: throws the first of its `errors` (or a plain "no
 * samples") when `samples` is empty, so a bench whose operations all failed says why.
 */
export function requireSamples(
  what: string,
  samples: readonly unknown[],
  errors: readonly unknown[] = [],
): void {
  if (samples.length > 0) return;
  const first = errors[0];
  const reason = first instanceof Error ? first.message : first === undefined ? "" : String(first);
  fail(
    `${what}: no samples${errors.length > 0 ? ` (${errors.length} failed; first: ${reason})` : ""}`,
  );
}

/** The q-quantile of ascending samples (nearest rank); throws on none, never NaN. */
export function quantile(sorted: readonly number[], q: number, what = "quantile"): number {
  if (sorted.length === 0) fail(`${what}: no samples`);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}

const NOT_A_NUMBER = /\b(NaN|Infinity|undefined)\b/;

/** One cell of a table: text as is, a number with `digits` decimals (finite, or it throws). */
export type Cell = string | number | { readonly value: number; readonly digits: number };

/**
 * Prints a table (columns padded, ` | ` between); the first cell of each row names it. Throws,
 * naming the row, on a non-finite number or on text that reads NaN, Infinity or undefined.
 */
export function printTable(header: readonly string[], rows: readonly (readonly Cell[])[]): void {
  const text = rows.map((row) => {
    const name = typeof row[0] === "string" ? row[0] : "row";
    return row.map((cell, column) => {
      const what = `row "${name}", column "${header[column] ?? column}"`;
      if (typeof cell === "string") {
        if (NOT_A_NUMBER.test(cell)) fail(`${what}: "${cell}"`);
        return cell;
      }
      if (typeof cell === "number") return String(finite(cell, what));
      return finite(cell.value, what).toFixed(cell.digits);
    });
  });
  const widths = header.map((title, column) =>
    Math.max(title.length, ...text.map((row) => (row[column] ?? "").length)),
  );
  const format = (cells: readonly string[]) =>
    cells
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(" | ")
      .trimEnd();
  console.log(format(header));
  for (const row of text) console.log(format(row));
}

/** Prints one free-form result line; throws, naming `row`, if it reads NaN, Infinity or undefined. */
export function printRow(row: string, line: string): void {
  if (NOT_A_NUMBER.test(line)) fail(`row "${row}": "${line.trim()}"`);
  console.log(line);
}

/**
 * Runs a benchmark file: prints its name, the machine and the mode, then `main`. Any error
 * (a BenchError, a failed operation, a non-finite number) prints `<name> bench failed: …`
 * and exits 1. `moduleUrl` is the bench's `import.meta.url`; it names the bench
 * `<package dir>/<file>`, as `pnpm bench --list` does.
 */
export async function runBench(
  moduleUrl: string,
  title: string,
  main: () => void | Promise<void>,
): Promise<void> {
  const path = fileURLToPath(moduleUrl);
  current = `${basename(dirname(dirname(path)))}/${basename(path).replace(/\.ts$/, "")}`;
  isForcedToFail = P2P_BENCH_FORCE_FAIL === current;
  console.log(`${current}: ${title}`);
  console.log(`machine: ${machine()}${isQuick ? "; quick run (P2P_BENCH_QUICK=1)" : ""}`);
  try {
    await main();
  } catch (error) {
    const message =
      error instanceof BenchError
        ? error.message
        : error instanceof Error
          ? (error.stack ?? error.message)
          : String(error);
    console.error(`${current} bench failed: ${message}`);
    process.exit(1);
  }
}
