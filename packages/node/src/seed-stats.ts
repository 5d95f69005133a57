import type { SeedRegistryInput, SeedRegistryOutput } from "@p2p/quorum";
import type { Machine } from "@p2p/wire";

/** A latency histogram: how many operations took at most each bound. */
export interface LatencyHistogram {
  /** Upper bounds of the buckets in milliseconds, ascending; a last, unbounded bucket follows. */
  readonly boundsMs: readonly number[];
  /** Operations per bucket (not cumulative), one more entry than `boundsMs`. */
  readonly counts: readonly number[];
  readonly count: number;
  readonly sumMs: number;
}

/** What a seed's registry did with the operations it ran, since the seed started. */
export interface QuorumStats {
  /**
   * Operations that ended ok (registrations, neighbour updates, leaves, removals, reads), timed
   * from the request (or this seed's own command) reaching the registry to its answer.
   */
  readonly commitLatency: LatencyHistogram;
  /** Operations that ended with `NO_QUORUM`: no majority of seeds answered in time. */
  readonly noQuorum: number;
  /** Operations answered with any other error, by code (`KEY_MISMATCH`, `NOT_ADMITTED`, …). */
  readonly refusals: Readonly<Record<string, number>>;
  /** Member records this seed saw committed, by change. */
  readonly changes: {
    readonly registered: number;
    readonly updated: number;
    readonly removed: number;
    readonly left: number;
  };
}

/** Default bounds of {@link QuorumStats.commitLatency}, in milliseconds. */
export const COMMIT_LATENCY_BOUNDS_MS: readonly number[] = Object.freeze([
  5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000,
]);

/** Operations waiting for their answer; the oldest is forgotten past this (it stays untimed). */
const MAX_TIMED_OPERATIONS = 10_000;

/** Counts and times a seed registry's operations from its inputs and outputs (read-only). */
export interface OperationStats {
  /**
   * `registry` with every input observed (an operation starts when its request or command
   * reaches the registry); the host drives this instead of the registry.
   */
  observe(
    registry: Machine<SeedRegistryInput, SeedRegistryOutput>,
  ): Machine<SeedRegistryInput, SeedRegistryOutput>;
  /**
   * A `send` or `emit` output of the registry, delivered at `now` (after the persists before
   * it are durable): an answer ends its operation.
   */
  delivered(now: number, output: SeedRegistryOutput): void;
  /** A snapshot of the counters. */
  snapshot(): QuorumStats;
}

const keyOf = (peer: string, requestId: string): string => `${peer}\n${requestId}`;

/**
 * Creates {@link OperationStats}. A peer's request starts an operation when it reaches the
 * registry and ends when its answer is delivered; this seed's own command ends with its
 * `operation-completed` event. Nothing here changes what the registry decides.
 */
export function createOperationStats(
  boundsMs: readonly number[] = COMMIT_LATENCY_BOUNDS_MS,
): OperationStats {
  const started = new Map<string, number>();
  const counts = new Array<number>(boundsMs.length + 1).fill(0);
  let count = 0;
  let sumMs = 0;
  let noQuorum = 0;
  const refusals: Record<string, number> = {};
  const changes = { registered: 0, updated: 0, removed: 0, left: 0 };

  const start = (key: string, now: number): void => {
    if (started.has(key)) return; // a duplicate of a request in flight: timed from the first
    started.set(key, now);
    if (started.size > MAX_TIMED_OPERATIONS) {
      const oldest = started.keys().next().value;
      if (oldest !== undefined) started.delete(oldest);
    }
  };

  const finish = (key: string, now: number, errorCode: string | undefined): void => {
    const at = started.get(key);
    started.delete(key);
    if (errorCode === "NO_QUORUM") noQuorum += 1;
    else if (errorCode !== undefined) refusals[errorCode] = (refusals[errorCode] ?? 0) + 1;
    else if (at !== undefined) {
      const elapsedMs = Math.max(0, now - at);
      let bucket = boundsMs.findIndex((bound) => elapsedMs <= bound);
      if (bucket === -1) bucket = boundsMs.length;
      counts[bucket] = (counts[bucket] ?? 0) + 1;
      count += 1;
      sumMs += elapsedMs;
    }
  };

  const onInput = (input: SeedRegistryInput): void => {
    if (input.type === "command") start(keyOf("", input.command.operationId), input.now);
    if (input.type !== "receive") return;
    switch (input.message.type) {
      case "quorum.register-request":
      case "quorum.update-neighbours":
      case "quorum.dead-report":
      case "quorum.leave-request":
      case "quorum.get-request":
        start(keyOf(input.from, input.message.requestId), input.now);
        return;
      default:
        return;
    }
  };

  const onOutput = (now: number, output: SeedRegistryOutput): void => {
    if (output.type === "send") {
      const message = output.message;
      if (
        message.type === "quorum.register-response" ||
        message.type === "quorum.operation-response"
      )
        finish(
          keyOf(output.to, message.requestId),
          now,
          message.ok ? undefined : (message.error?.code ?? "REFUSED"),
        );
      return;
    }
    if (output.type !== "emit") return;
    const event = output.event;
    switch (event.type) {
      case "operation-completed":
        finish(
          keyOf("", event.operationId),
          now,
          event.result.ok ? undefined : event.result.error.code,
        );
        return;
      case "member-registered":
        changes.registered += 1;
        return;
      case "member-updated":
        changes.updated += 1;
        return;
      case "member-removed":
        changes.removed += 1;
        return;
      case "member-left":
        changes.left += 1;
        return;
      default:
        return;
    }
  };

  return {
    observe: (registry) => ({
      step(input) {
        onInput(input);
        return registry.step(input);
      },
      nextDeadline: () => registry.nextDeadline(),
      inspect: () => registry.inspect(),
    }),
    delivered: onOutput,
    snapshot: () => ({
      commitLatency: { boundsMs: [...boundsMs], counts: [...counts], count, sumMs },
      noQuorum,
      refusals: { ...refusals },
      changes: { ...changes },
    }),
  };
}
