import type { ProbeResult } from "./membership.js";

/** The outcomes of a seed's own probes, latest per address, bounded in count and age. */
export interface ProbeResults {
  readonly table: ReadonlyMap<string, ProbeResult>;
  record(now: number, result: ProbeResult): void;
  /** Forgets outcomes older than the retention. */
  expire(now: number): void;
}

/** Creates a {@link ProbeResults} table. */
export function createProbeResults(limits: {
  readonly probeResultRetentionMs: number;
  readonly maxProbeResults: number;
}): ProbeResults {
  /** Oldest first. */
  const table = new Map<string, ProbeResult>();
  const expire = (now: number): void => {
    for (const [address, result] of table) {
      if (result.atMs + limits.probeResultRetentionMs > now) break;
      table.delete(address);
    }
  };
  return {
    table,
    record(now, result) {
      table.delete(result.address);
      table.set(result.address, result);
      expire(now);
      if (table.size > limits.maxProbeResults) {
        const oldest = table.keys().next().value;
        if (oldest !== undefined) table.delete(oldest);
      }
    },
    expire,
  };
}
