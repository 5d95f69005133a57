/** What the manager does with one line a node printed. */
type LineDisposition = "show" | "problem" | "hide";

/** Options of {@link createOutputFilter}. */
export interface OutputFilterOptions {
  /** Show every line (`verbose on`); problems still go to the error stream. */
  readonly isVerbose: () => boolean;
  /** Time source in milliseconds (default `Date.now`), for folding repeated lines. */
  readonly now?: () => number;
  /** How long a line repeated by another node is folded into the first (default 10 000 ms). */
  readonly foldMs?: number;
}

/** Sorts node output into what the quiet manager shows, problems, and chatter. */
export interface OutputFilter {
  /** Where `line` goes; a notable line that another node printed just before is hidden. */
  classify(line: string): LineDisposition;
}

// `2026-12-02T07:01:02.003Z [seed 127.0.0.1:5000] ` and an optional level word after it.
const PREFIX = /^\d{4}-\d\d-\d\dT[\d:.]+Z \[[^\]]+\] (?:info:? )?/;
const PROBLEM = /^(?:warn(?:ing)?|error|fatal)\b/i;
// Joins, removals and leaves (the seeds' and the peers' own words), and the seed document's
// dead-node line anywhere in a line.
const NOTABLE = [
  /Dead Node:/,
  /^registered \S+/,
  /^removed \S+/,
  /^\S+ left\b/,
  /^left the network/,
  /^removed while alive/,
  /^registration refused/,
];

/**
 * The quiet manager's rule: show joins, removals, leaves and `Dead Node:` lines, send warnings
 * and errors to the error stream, hide the rest (deliveries, neighbour lists, probes) unless
 * verbose. The seeds each log the same removal; a notable line whose text (after the time and
 * node) another node printed within `foldMs` is shown once.
 */
export function createOutputFilter(options: OutputFilterOptions): OutputFilter {
  const now = options.now ?? Date.now;
  const foldMs = options.foldMs ?? 10_000;
  const recent = new Map<string, number>();

  const isRepeat = (text: string): boolean => {
    const time = now();
    for (const [key, at] of recent) {
      if (time - at <= foldMs) break;
      recent.delete(key);
    }
    const isSeen = recent.has(text);
    recent.delete(text);
    recent.set(text, time);
    return isSeen;
  };

  return {
    classify(line) {
      const text = line.replace(PREFIX, "");
      if (PROBLEM.test(text)) return "problem";
      if (options.isVerbose()) return "show";
      if (!NOTABLE.some((pattern) => pattern.test(text))) return "hide";
      return isRepeat(text) ? "hide" : "show";
    },
  };
}
