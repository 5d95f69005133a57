import { P2pError, type RandomSource, type Result } from "@p2p/wire";
import type { QuorumErrorCode } from "./errors.js";
import type { MemberEntry } from "./messages.js";
import type { SeedCommand } from "./seed-registry-types.js";

type MarkDead = Extract<SeedCommand, { type: "mark-dead" }>;

/** Failures that say nothing about the removal itself: no majority answered in time. */
const RETRIED: ReadonlySet<string> = new Set<QuorumErrorCode>(["NO_QUORUM", "BUSY", "UNREACHABLE"]);

/**
 * The code of an evidence validator's error that asks for the seed's own probe of the suspect
 * (see `EvidenceValidator`): the removal may pass once that probe has failed, so it is tried
 * again like one no majority answered.
 */
const EVIDENCE_NEEDS_PROBE = "EVIDENCE_NEEDS_PROBE";

/** True when this seed's own evidence check refused the removal only for want of its probe. */
const awaitsProbe = (error: P2pError): boolean =>
  error.code === "EVIDENCE_INVALID" && P2pError.is(error.cause, EVIDENCE_NEEDS_PROBE);

/**
 * A removal to propose again: the command, its attempt number and when the record last changed
 * as it began. Not its version: every report about the suspect that is refused for want of a
 * probe commits that refusal under a new version of the unchanged record.
 */
interface RemovalRetry {
  readonly command: MarkDead;
  readonly attempt: number;
  readonly changedAt: number | undefined;
  /** When this attempt was proposed. */
  readonly startedAt: number;
}

/**
 * The removals this seed proposed that failed because no majority answered (NO_QUORUM without
 * any acceptor's refusal, BUSY), or that this seed's own check refused only because its probe
 * of the suspect had not finished (`EVIDENCE_NEEDS_PROBE`: the votes sufficed when the report
 * came, but the suspect's neighbours dropped it from their lists before the change was
 * checked), proposed again later: a reporter sends its dead report once, so such a removal
 * would otherwise never happen. A removal no majority answered keeps its operation id; one
 * refused for want of a probe was committed as a refusal (the operation memory answers that id
 * with it), so it is proposed as a new operation, `<id>:probed:<attempt>`. A retry waits
 * `retryMs` doubled per attempt (at most 16×), ±25 % jitter (every seed got the same report
 * and retries it), up to `retries` times. A removal an acceptor refused (its own check failed)
 * is not retried. Kept in memory only: a restarted seed forgets them.
 */
export function createRemovalRetries(config: {
  readonly retryMs: number;
  readonly retries: number;
  readonly maxEntries: number;
  readonly random: RandomSource;
  /** The member's committed entry now (the retry is dropped once it changed). */
  readonly entryOf: (address: string) => MemberEntry | undefined;
  /** When this seed last recorded a failed probe of `address` (its latest probe outcome). */
  readonly failedProbeAt: (address: string) => number | undefined;
}) {
  /** Removals in flight: operation id → retry state. */
  const inFlight = new Map<string, RemovalRetry>();
  /**
   * Removals waiting to be proposed again: "address#incarnation" → retry state, when, and
   * whether it waits for this seed's probe of the member (its failure brings the retry).
   */
  const waiting = new Map<string, RemovalRetry & { at: number; readonly awaitsProbe: boolean }>();

  return {
    /** A removal was proposed for the first time, at `now`, on the member's record as it is now. */
    started(now: number, command: MarkDead): void {
      if (inFlight.size < config.maxEntries) {
        const entry = config.entryOf(command.address);
        inFlight.set(command.operationId, {
          command,
          attempt: 0,
          changedAt: entry?.record.changedAt,
          startedAt: now,
        });
      }
    },
    /**
     * This seed's own probe of `address` failed at `now`: a removal that waits for it is due
     * now. (The probe takes its whole timeout, about the first retry interval: a timed retry
     * that fell due just before it ended would be refused again and wait twice as long.)
     */
    probeFailed(now: number, address: string): void {
      for (const entry of waiting.values()) {
        if (entry.awaitsProbe && entry.command.address === address && entry.at > now)
          entry.at = now;
      }
    },
    /** An operation ended: a removal that no majority answered is proposed again later. */
    completed(
      now: number,
      operationId: string,
      result: Result<unknown, P2pError>,
      lastRefusal: string | undefined,
    ): void {
      const entry = inFlight.get(operationId);
      if (entry === undefined) return;
      inFlight.delete(operationId);
      if (result.ok) return;
      const isUnanswered = lastRefusal === undefined && RETRIED.has(String(result.error.code));
      const isAwaitingProbe = !isUnanswered && awaitsProbe(result.error);
      if (!isUnanswered && !isAwaitingProbe) return;
      if (entry.attempt >= config.retries || waiting.size >= config.maxEntries) return;
      const { address, incarnation } = entry.command;
      const key = `${address}#${incarnation}`;
      if (waiting.has(key)) return;
      const delay =
        config.retryMs * 2 ** Math.min(entry.attempt, 4) * (0.75 + 0.5 * config.random.next());
      const attempt = entry.attempt + 1;
      if (!isAwaitingProbe) {
        waiting.set(key, { ...entry, attempt, at: now + delay, awaitsProbe: false });
        return;
      }
      // The probe failed while this proposal was being checked: no reason to wait.
      const probedAt = config.failedProbeAt(address);
      const at = probedAt !== undefined && probedAt >= entry.startedAt ? now : now + delay;
      // The refusal was committed: the record kept its value under a new version, and the
      // operation memory answers its id with that refusal. So the retry is a new operation on
      // the record as it is now, if nothing about the member changed since the first attempt.
      const current = config.entryOf(address);
      if (current === undefined || current.record.changedAt !== entry.changedAt) return;
      const command = {
        ...entry.command,
        operationId: `${entry.command.operationId.replace(/:probed:\d+$/, "")}:probed:${attempt}`,
      };
      waiting.set(key, {
        command,
        attempt,
        changedAt: current.record.changedAt,
        startedAt: entry.startedAt,
        at,
        awaitsProbe: true,
      });
    },
    /**
     * The removals to propose again at `now` (counted in flight from here): those due whose
     * member is still alive at the same incarnation and unchanged since the first attempt (not
     * removed meanwhile, nor updated by a restarted peer). A retry keeps its operation id: if
     * the first attempt (or the reporter's request retried at another seed) was chosen after
     * all, the operation memory applies it once.
     */
    due(now: number): MarkDead[] {
      const ready: MarkDead[] = [];
      for (const [key, entry] of waiting) {
        if (entry.at > now) continue;
        waiting.delete(key);
        const { command, attempt, changedAt } = entry;
        const current = config.entryOf(command.address);
        if (current?.record.status !== "alive") continue;
        // Unchanged since the first attempt: a committed refusal keeps the record's value (and
        // its changedAt) under a new version, a restarted peer's update does not.
        if (
          current.record.incarnation !== command.incarnation ||
          current.record.changedAt !== changedAt
        ) {
          continue;
        }
        if (inFlight.size < config.maxEntries) {
          inFlight.set(command.operationId, { command, attempt, changedAt, startedAt: now });
        }
        ready.push(command);
      }
      return ready;
    },
    /** When the next retry is due, if any waits. */
    nextDeadline(): number | undefined {
      let next: number | undefined;
      for (const entry of waiting.values()) {
        if (next === undefined || entry.at < next) next = entry.at;
      }
      return next;
    },
  };
}
