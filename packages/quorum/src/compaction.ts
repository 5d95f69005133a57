import { compactChange, isCompacted } from "./membership.js";
import type { MemberRecord } from "./messages.js";
import type { Change } from "./proposer.js";

const COMPACT = "compact:";

/** True for the operation id of a compaction (its completion is no event). */
export const isCompaction = (operationId: string): boolean => operationId.startsWith(COMPACT);

/** A compaction to propose: its operation id, the member's key and the change. */
export interface DueCompaction {
  readonly operationId: string;
  readonly key: string;
  readonly change: Change;
}

/**
 * When tombstones are compacted: a tombstone (`dead` or `left`) whose change is older than
 * `retentionMs` of wall time is rewritten, through consensus, to address + status +
 * incarnation (`compactChange`). Tombstones are looked at once `intervalMs` after one is
 * learned, then when the oldest remaining one falls due, never more often than every
 * `intervalMs`. A restarted seed keeps no timers: with tombstones held, it looks on its first
 * tick.
 */
export function createCompaction(
  config: { readonly retentionMs: number; readonly intervalMs: number },
  hasTombstones: boolean,
) {
  let nextAt: number | undefined = hasTombstones ? 0 : undefined;
  let sequence = 0;
  return {
    /** A tombstone was learned at `now`: look one interval later, unless a look is due sooner. */
    tombstoneLearned(now: number): void {
      nextAt ??= now + config.intervalMs;
    },
    /**
     * The compactions due at `now` among the records `records()` lists (`wallOffsetMs` turns
     * `now` into wall time, the time of `changedAt`); sets when to look next. Before the
     * deadline: none, and `records` is not called.
     */
    due(now: number, wallOffsetMs: number, records: () => Iterable<MemberRecord>): DueCompaction[] {
      if (nextAt === undefined || now < nextAt) return [];
      nextAt = undefined;
      const olderThan = now + wallOffsetMs - config.retentionMs;
      const due: DueCompaction[] = [];
      for (const record of records()) {
        if (record.status === "alive" || isCompacted(record)) continue;
        const key = record.address;
        if (record.changedAt <= olderThan) {
          sequence += 1;
          due.push({
            operationId: `${COMPACT}${key}:${sequence}`,
            key,
            change: compactChange(key, olderThan),
          });
        } else {
          const at = record.changedAt + config.retentionMs - wallOffsetMs;
          if (nextAt === undefined || at < nextAt) nextAt = at;
        }
      }
      if (nextAt !== undefined) nextAt = Math.max(nextAt, now + config.intervalMs);
      return due;
    },
    /** When the next look is due (undefined: no tombstone waits). */
    nextDeadline: (): number | undefined => nextAt,
  };
}
