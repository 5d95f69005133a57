import type { ProbeResult } from "./membership.js";

/** The outcomes of a seed's own probes, latest per address, bounded in count and age. */
export interface ProbeResults {
  readonly table: ReadonlyMap<string, ProbeResult>;
  record(now: number, result: ProbeResult): void;
  /** When the latest outcome about `address` was recorded, if that outcome was a failure. */
  failedAt(address: string): number | undefined;
  /** Forgets outcomes older than the retention. */
  expire(now: number): void;
}

/** Creates a {@link ProbeResults} table. */
export function createProbeResults(limits: {
  readonly probeResultRetentionMs: number;
  readonly maxProbeResults: number;
}): ProbeResults {
  /** Oldest recorded first. */
  const table = new Map<string, ProbeResult>();
  /** When each outcome was recorded (input time): the table's order, so expiry stops early. */
  const recordedAt = new Map<string, number>();
  const forget = (address: string): void => {
    table.delete(address);
    recordedAt.delete(address);
  };
  const expire = (now: number): void => {
    for (const [address, at] of recordedAt) {
      if (at + limits.probeResultRetentionMs > now) break;
      forget(address);
    }
  };
  return {
    table,
    record(now, result) {
      forget(result.address);
      table.set(result.address, result);
      recordedAt.set(result.address, now);
      expire(now);
      if (table.size > limits.maxProbeResults) {
        const oldest = table.keys().next().value;
        if (oldest !== undefined) forget(oldest);
      }
    },
    failedAt: (address) =>
      table.get(address)?.isAlive === false ? recordedAt.get(address) : undefined,
    expire,
  };
}
