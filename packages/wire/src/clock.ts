/** A handle to a scheduled callback. */
export interface TimerHandle {
  /** Cancels the callback if it has not run yet. Idempotent. */
  cancel(): void;
}

/**
 * Time as an injected dependency. `now()` is in milliseconds and never goes backwards.
 * The system clock uses real timers; `@p2p/sim` provides a virtual one.
 */
export interface Clock {
  now(): number;
  /** Runs `callback` once, `delayMs` from now (0 or negative: as soon as possible). */
  setTimer(delayMs: number, callback: () => void): TimerHandle;
}

/** The host globals the system clock needs (declared here so this file needs no DOM or Node types). */
interface TimerHost {
  readonly performance: { now(): number };
  setTimeout(callback: () => void, delayMs: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** The real clock: monotonic milliseconds since the process started, plus real timers. */
export const systemClock: Clock = {
  now: () => (globalThis as unknown as TimerHost).performance.now(),
  setTimer(delayMs, callback) {
    const host = globalThis as unknown as TimerHost;
    const handle = host.setTimeout(callback, Math.max(0, delayMs));
    return { cancel: () => host.clearTimeout(handle) };
  },
};
