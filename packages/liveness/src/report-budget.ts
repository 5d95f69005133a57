/** Limits of {@link createReportBudget} (the seed prober's config). */
export interface ReportBudgetLimits {
  /** Most dead reports (and probe requests) one reporter may send in `reportWindowMs`. */
  readonly maxReportsPerReporter: number;
  readonly reportWindowMs: number;
  /** A reporter's repeated report about the same suspect within this long is dropped. */
  readonly minReportIntervalMs: number;
  /** Most reporters tracked (the least recently seen is forgotten first). */
  readonly maxReporters: number;
}

/**
 * How much one member may make the seeds work: every dead report costs a seed signature checks
 * and a look at the directory (and maybe probes), so a reporter gets `maxReportsPerReporter`
 * reports per `reportWindowMs` and one per suspect per `minReportIntervalMs`; the rest are
 * dropped. An honest peer reports a neighbour's death once (and asks for a probe once per vote
 * round), far below both.
 */
export function createReportBudget(limits: ReportBudgetLimits) {
  /** Reporter → times of its counted reports (oldest first) and last report per suspect. */
  const reporters = new Map<string, { times: number[]; bySuspect: Map<string, number> }>();
  return {
    /**
     * Counts a report by `reporter` about `suspect` at `now`; false when it is over budget.
     * `suspect` is the key of the per-suspect limit (the caller may tell kinds of report apart).
     */
    allow(reporter: string, suspect: string, now: number): boolean {
      const entry = reporters.get(reporter) ?? { times: [] as number[], bySuspect: new Map() };
      reporters.delete(reporter); // re-inserted last: the map stays least recently seen first
      reporters.set(reporter, entry);
      if (reporters.size > limits.maxReporters) {
        const oldest = reporters.keys().next().value;
        if (oldest !== undefined) reporters.delete(oldest);
      }
      while ((entry.times[0] ?? now) <= now - limits.reportWindowMs) entry.times.shift();
      for (const [address, at] of entry.bySuspect)
        if (at <= now - limits.minReportIntervalMs) entry.bySuspect.delete(address);
      if (entry.bySuspect.has(suspect) || entry.times.length >= limits.maxReportsPerReporter) {
        return false;
      }
      entry.times.push(now);
      entry.bySuspect.set(suspect, now);
      return true;
    },
  };
}

/**
 * The key a report about `suspect` is budgeted under: a probe request (evidence without a
 * neighbour majority) and a report count apart, so the majority report that may follow a
 * probe request at once is not dropped.
 */
export function budgetKey(suspect: string, evidence: unknown): string {
  const isProbeRequest =
    typeof evidence === "object" &&
    evidence !== null &&
    (evidence as Record<string, unknown>).insufficientNeighbours === true;
  return isProbeRequest ? `${suspect} probe` : suspect;
}
