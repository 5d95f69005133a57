import type { P2pError, Result } from "@p2p/wire";
import type { QuorumErrorCode } from "./errors.js";
import type { SeedCommand } from "./seed-registry-types.js";

type MarkDead = Extract<SeedCommand, { type: "mark-dead" }>;

/** Failures that say nothing about the removal itself: no majority answered in time. */
const RETRIED: ReadonlySet<string> = new Set<QuorumErrorCode>(["NO_QUORUM", "BUSY", "UNREACHABLE"]);

/** A removal proposed again: the command and its attempt number. */
interface RemovalRetry {
  readonly command: MarkDead;
  readonly attempt: number;
}

/**
 * The removals this seed proposed (a dead report's or an orphan's) that failed for want of a
 * majority, proposed again later: a reporter sends its report once, so a removal that fails
 * while the seeds cannot reach each other would otherwise never happen. The retry waits
 * `retryMs`, doubled per attempt (at most 16×), up to `retries` times, once per member and
 * incarnation; a retry whose evidence has gone stale is refused by the removal's own check.
 */
export function createRemovalRetries(config: {
  readonly retryMs: number;
  readonly retries: number;
  readonly maxEntries: number;
}) {
  /** Removals in flight: operation id → command and attempt. */
  const inFlight = new Map<string, RemovalRetry>();
  /** Removals waiting to be proposed again: "address#incarnation" → retry and when. */
  const waiting = new Map<string, RemovalRetry & { readonly at: number }>();

  return {
    /** A removal was proposed (`attempt` 0 the first time). */
    started(command: MarkDead, attempt = 0): void {
      if (inFlight.size < config.maxEntries)
        inFlight.set(command.operationId, { command, attempt });
    },
    /** An operation ended: a removal that found no majority is proposed again later. */
    completed(now: number, operationId: string, result: Result<unknown, P2pError>): void {
      const entry = inFlight.get(operationId);
      if (entry === undefined) return;
      inFlight.delete(operationId);
      if (result.ok || !RETRIED.has(String(result.error.code))) return;
      if (entry.attempt >= config.retries || waiting.size >= config.maxEntries) return;
      const { address, incarnation } = entry.command;
      const key = `${address}#${incarnation}`;
      if (waiting.has(key)) return;
      const delay = config.retryMs * 2 ** Math.min(entry.attempt, 4);
      waiting.set(key, { command: entry.command, attempt: entry.attempt + 1, at: now + delay });
    },
    /**
     * The retries due at `now`; they stop waiting. A retry keeps its operation id: if the first
     * attempt (or the reporter's request retried at another seed) was chosen after all, the
     * operation memory applies it once.
     */
    due(now: number): RemovalRetry[] {
      const ready: RemovalRetry[] = [];
      for (const [key, entry] of waiting) {
        if (entry.at > now) continue;
        waiting.delete(key);
        ready.push({ command: entry.command, attempt: entry.attempt });
      }
      return ready;
    },
    /** When the next retry is due, if any waits. */
    nextDeadline(): number | undefined {
      let next: number | undefined;
      for (const entry of waiting.values())
        if (next === undefined || entry.at < next) next = entry.at;
      return next;
    },
  };
}
