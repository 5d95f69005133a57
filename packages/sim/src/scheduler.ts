import { P2pError } from "@p2p/wire";
import { checkDuration } from "./argument-checks.js";
import type { SimErrorCode } from "./errors.js";
import { EventQueue, type ScheduledEvent } from "./event-queue.js";

/** Options of {@link Simulation.runUntil}. */
export interface RunUntilOptions {
  /** Give up after this much virtual time (default 60,000 ms). */
  readonly timeoutMs?: number;
}

/** Options of {@link Simulation.runUntilIdle}. */
export interface RunUntilIdleOptions {
  /** Stop after this much virtual time even if events remain (default: no limit). */
  readonly maxTimeMs?: number;
}

/**
 * The run loop of a simulation: the event queue and the virtual time it advances. The runners
 * are those of {@link Simulation}; events at equal times run in scheduling order.
 */
export interface Scheduler {
  /** The current virtual time in ms. */
  now(): number;
  /** Schedules `run` at `time`, or now if `time` has passed. */
  schedule(time: number, run: () => void): ScheduledEvent;
  cancel(event: ScheduledEvent): void;
  /** The number of pending events. */
  readonly pending: number;

  runNext(): boolean;
  runFor(durationMs: number): void;
  runUntil(predicate: () => boolean, options?: RunUntilOptions): boolean;
  runUntilIdle(options?: RunUntilIdleOptions): boolean;
  settle<T>(promise: Promise<T>, options?: RunUntilOptions): Promise<T>;
  runForAsync(durationMs: number): Promise<void>;
}

/**
 * Creates the run loop. The async runners grant promise code `microtaskTurns` microtask turns
 * between events.
 */
export function createScheduler(microtaskTurns: number): Scheduler {
  const queue = new EventQueue();
  let now = 0;
  let isRunning = false;

  const runEvent = (event: ScheduledEvent): void => {
    now = event.time;
    event.run();
  };

  const guarded = <T>(name: string, body: () => T): T => {
    if (isRunning) {
      throw new P2pError<SimErrorCode>(
        "REENTRANT_CALL",
        `${name} was called from inside a simulation event; return and let the run continue`,
      );
    }
    isRunning = true;
    try {
      return body();
    } finally {
      isRunning = false;
    }
  };

  const flushMicrotasks = async (): Promise<void> => {
    for (let turn = 0; turn < microtaskTurns; turn++) await Promise.resolve();
  };

  const scheduler: Scheduler = {
    now: () => now,
    schedule: (time, run) => queue.push(Math.max(time, now), run),
    cancel: (event) => queue.cancel(event),
    get pending() {
      return queue.size;
    },

    runNext() {
      return guarded("runNext", () => {
        const event = queue.pop();
        if (event === undefined) return false;
        runEvent(event);
        return true;
      });
    },
    runFor(durationMs) {
      checkDuration("durationMs", durationMs);
      guarded("runFor", () => {
        const end = now + durationMs;
        for (;;) {
          const next = queue.peek();
          if (next === undefined || next.time > end) break;
          runEvent(queue.pop() as ScheduledEvent);
        }
        now = end;
      });
    },
    runUntil(predicate, options = {}) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      checkDuration("timeoutMs", timeoutMs);
      return guarded("runUntil", () => {
        const end = now + timeoutMs;
        for (;;) {
          if (predicate()) return true;
          const next = queue.peek();
          if (next === undefined || next.time > end) {
            if (Number.isFinite(end)) now = end;
            return false;
          }
          runEvent(queue.pop() as ScheduledEvent);
        }
      });
    },
    runUntilIdle(options = {}) {
      const maxTimeMs = options.maxTimeMs ?? Number.POSITIVE_INFINITY;
      checkDuration("maxTimeMs", maxTimeMs);
      return guarded("runUntilIdle", () => {
        const end = now + maxTimeMs;
        for (;;) {
          const next = queue.peek();
          if (next === undefined) return true;
          if (next.time > end) {
            now = end;
            return false;
          }
          runEvent(queue.pop() as ScheduledEvent);
        }
      });
    },
    async settle(promise, options = {}) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      checkDuration("timeoutMs", timeoutMs);
      let isSettled = false;
      const done = promise.then(
        (value) => {
          isSettled = true;
          return value;
        },
        (error: unknown) => {
          isSettled = true;
          throw error;
        },
      );
      done.catch(() => {});
      const end = now + timeoutMs;
      for (;;) {
        await flushMicrotasks();
        if (isSettled) return done;
        const next = queue.peek();
        if (next === undefined) {
          throw new P2pError<SimErrorCode>(
            "SIMULATION_STUCK",
            `the simulation is idle at ${now} ms but the promise has not settled`,
          );
        }
        if (next.time > end) {
          now = end;
          throw new P2pError<SimErrorCode>(
            "SETTLE_TIMEOUT",
            `the promise did not settle within ${timeoutMs} ms of virtual time`,
          );
        }
        scheduler.runNext();
      }
    },
    async runForAsync(durationMs) {
      checkDuration("durationMs", durationMs);
      const end = now + durationMs;
      for (;;) {
        await flushMicrotasks();
        const next = queue.peek();
        if (next === undefined || next.time > end) break;
        scheduler.runNext();
      }
      now = end;
    },
  };
  return scheduler;
}
