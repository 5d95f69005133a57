// The comparison table: one row per figure with p2p, its anchor from the same run, the ratio,
// the target of issue 13 and whether it is met; printed as text and written as markdown. A
// value that was not measured is a reason in words, never NaN.
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { cpus } from "node:os";

/** A measured number, or why there is none ("failed: …", "skipped: …"). */
export type Value = number | string;

/**
 * How a figure is judged: the ratio p2p/anchor at most `max`, p2p itself at most `max`, or p2p
 * itself at least `min`.
 */
type Target =
  | { readonly kind: "ratio"; readonly max: number }
  | { readonly kind: "absolute"; readonly max: number }
  | { readonly kind: "minimum"; readonly min: number };

/** One row of the table. */
export interface Figure {
  readonly name: string;
  /** `count`: a whole number, printed without a unit. */
  readonly unit: "s" | "ms" | "µs" | "MB" | "%" | "copies" | "count";
  readonly p2p: Value;
  readonly anchorName: string;
  readonly anchor: Value;
  readonly target?: Target;
}

const NOT_A_NUMBER = /\b(NaN|Infinity|undefined)\b/;

const isMeasured = (value: Value): value is number => typeof value === "number";

function formatValue(value: Value, unit: Figure["unit"]): string {
  if (!isMeasured(value)) return value;
  if (!Number.isFinite(value)) throw new Error(`not a finite number: ${value}`);
  if (unit === "count") return String(value);
  const digits = unit === "s" ? 3 : unit === "MB" ? 1 : 2;
  return `${value.toFixed(digits)} ${unit}`;
}

/** The cells of one figure: figure, p2p, anchor, ratio, target, met. */
function cells(figure: Figure): string[] {
  const { p2p, anchor, target, unit } = figure;
  const hasRatio = isMeasured(p2p) && isMeasured(anchor) && anchor > 0;
  const ratio = hasRatio ? p2p / anchor : undefined;
  let targetText = "—";
  let met = "—";
  if (target?.kind === "ratio") {
    targetText = `≤ ${target.max}× ${figure.anchorName}`;
    met =
      ratio === undefined
        ? "not measured"
        : ratio <= target.max
          ? `met (${ratio.toFixed(3)}×)`
          : `not met (${ratio.toFixed(3)}×)`;
  } else if (target?.kind === "absolute") {
    targetText = unit === "count" ? `≤ ${target.max}` : `≤ ${target.max} ${unit}`;
    met = !isMeasured(p2p)
      ? "not measured"
      : `${p2p <= target.max ? "met" : "not met"} (${formatValue(p2p, unit)})`;
  } else if (target?.kind === "minimum") {
    targetText = `≥ ${formatValue(target.min, unit)}`;
    met = !isMeasured(p2p)
      ? "not measured"
      : `${p2p >= target.min ? "met" : "not met"} (${formatValue(p2p, unit)})`;
  }
  const row = [
    figure.name,
    formatValue(p2p, unit),
    isMeasured(anchor) ? `${figure.anchorName} ${formatValue(anchor, unit)}` : anchor,
    ratio === undefined ? "—" : `${ratio.toFixed(3)}×`,
    targetText,
    met,
  ];
  for (const cell of row) {
    if (NOT_A_NUMBER.test(cell)) throw new Error(`row "${figure.name}": "${cell}"`);
  }
  return row;
}

const HEADER = ["figure", "p2p", "anchor (same run)", "ratio p2p/anchor", "target", "met?"];

/** The table as padded text lines. */
export function textTable(figures: readonly Figure[]): string[] {
  const rows = figures.map(cells);
  const widths = HEADER.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? "").length)),
  );
  const format = (row: readonly string[]) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join(" | ")
      .trimEnd();
  return [
    format(HEADER),
    widths.map((width) => "-".repeat(width)).join("-|-"),
    ...rows.map(format),
  ];
}

/** The table as markdown lines. */
function markdownTable(figures: readonly Figure[]): string[] {
  const line = (row: readonly string[]) =>
    `| ${row.map((cell) => cell.replace(/\|/g, "\\|")).join(" | ")} |`;
  return [line(HEADER), line(HEADER.map(() => "---")), ...figures.map((f) => line(cells(f)))];
}

const versionOf = (command: string, args: string[]): string | undefined => {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })
      .split("\n")[0]
      ?.trim();
  } catch {
    return undefined;
  }
};

/**
 * The machine and the versions compared: CPU model × cores, Node, and (unless `withAnchors` is
 * false) serf and etcd.
 */
export function machineLine(withAnchors = true): string {
  const cores = cpus();
  const debian = (name: string) => versionOf("dpkg-query", ["-W", name])?.split("\t")[1];
  const base = [
    `${cores[0]?.model.trim() ?? "unknown CPU"} × ${cores.length} cores`,
    `Node ${process.version}`,
  ];
  if (!withAnchors) return base.join(", ");
  const serf = versionOf("serf", ["version"]);
  const etcd = versionOf("etcd", ["--version"]);
  return [
    ...base,
    serf === undefined ? "serf not installed" : `serf ${serf} (Debian ${debian("serf") ?? "?"})`,
    etcd === undefined
      ? "etcd not installed"
      : `${etcd.replace("etcd Version:", "etcd")} (Debian ${debian("etcd-server") ?? "?"})`,
  ].join(", ");
}

/** Writes the run as markdown: title, machine, the table, and the notes below it. */
export function writeMarkdown(
  path: string,
  title: string,
  machine: string,
  figures: readonly Figure[],
  notes: readonly string[],
): void {
  const text = [
    `# ${title}`,
    "",
    `Machine: ${machine}`,
    "",
    ...markdownTable(figures),
    "",
    ...notes.map((note) => `- ${note}`),
    "",
  ].join("\n");
  writeFileSync(path, text);
}

/** The q-quantile of samples (nearest rank), or `reason` when there are none. */
export function quantileOf(samples: readonly number[], q: number, reason: string): Value {
  if (samples.length === 0) return reason;
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[
    Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))
  ] as number;
}
