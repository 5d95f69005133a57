import type { Clock, TimerHandle } from "./clock.js";
import { P2pError, type WireErrorCode } from "./errors.js";

/**
 * The one contract of every p2p protocol machine (gossip, liveness, the seed registry, the
 * directory client, the overlay, the seed prober). A machine never touches a socket, a timer,
 * a clock or a random source of its own: it is driven from outside.
 *
 * - `step(input)` is the only mutating entry point. Every input carries `now` (monotonic
 *   milliseconds, never going backwards); the outputs come back as data, to apply in order.
 * - `nextDeadline()` says when the host should step a `tick` next (undefined: nothing due).
 * - `inspect()` is a read-only view for tests, metrics and the screen.
 *
 * A recorded input log therefore replays exactly.
 */
export interface Machine<Input extends { readonly now: number }, Output, View = unknown> {
  step(input: Input): readonly Output[];
  nextDeadline(): number | undefined;
  inspect(): View;
}

/** The input type of a {@link Machine}. */
export type MachineInput<M> = M extends Machine<infer Input, unknown, unknown> ? Input : never;
/** The output type of a {@link Machine}. */
export type MachineOutput<M> = M extends Machine<never, infer Output, unknown> ? Output : never;

/**
 * Guards a machine's time input: returns a function that takes each input's `now`, throws
 * `TIME_WENT_BACKWARDS` (a caller mistake) when it is not finite or earlier than the last one,
 * and otherwise returns it.
 */
export function createTimeGuard(machine: string): (now: number) => number {
  let last = Number.NEGATIVE_INFINITY;
  return (now) => {
    if (!Number.isFinite(now)) {
      throw new P2pError<WireErrorCode>(
        "TIME_WENT_BACKWARDS",
        `${machine}: now must be a finite number, got ${now}`,
      );
    }
    if (now < last) {
      throw new P2pError<WireErrorCode>(
        "TIME_WENT_BACKWARDS",
        `${machine}: time went backwards (${now} < ${last})`,
      );
    }
    last = now;
    return now;
  };
}

/** Options of {@link createMachineHost}. */
export interface MachineHostOptions<Input extends { readonly now: number }, Output> {
  readonly clock: Clock;
  readonly machine: Machine<Input, Output>;
  /** Performs one output (send, persist, emit, …). Called in order. */
  readonly apply: (output: Output) => void;
  /** Builds the tick input for `now` (default `{ type: "tick", now }`). */
  readonly tick?: (now: number) => Input;
}

/**
 * Drives one machine from a {@link Clock}: steps it, applies its outputs in order, and keeps
 * one timer armed at its `nextDeadline()`, feeding it a tick when the timer fires. The same
 * host runs a machine over real time (the system clock) or virtual time (`@p2p/sim`).
 */
export interface MachineHost<Input> {
  /**
   * Steps the machine with `input` and applies the outputs. An input stepped while outputs
   * are being applied (an output handler that feeds this machine again) is queued and stepped
   * right after, so outputs are always applied in the order they were produced. An input whose
   * `now` is earlier than the last one fed is fed at that last time (a real clock moves while
   * outputs are applied), so the machine's time never goes backwards.
   */
  step(input: Input): void;
  /**
   * Arms the timer at the machine's current deadline without stepping it: for a machine that
   * starts with work already due (one restored from storage).
   */
  arm(): void;
  /** Cancels the timer; later steps are ignored. */
  stop(): void;
}

/** Creates a {@link MachineHost}. */
export function createMachineHost<Input extends { readonly now: number }, Output>(
  options: MachineHostOptions<Input, Output>,
): MachineHost<Input> {
  const { clock, machine, apply } = options;
  const tick = options.tick ?? ((now: number) => ({ type: "tick", now }) as unknown as Input);
  let timer: TimerHandle | undefined;
  let armedAt: number | undefined;
  let isStopped = false;
  let isApplying = false;
  let lastNow = Number.NEGATIVE_INFINITY;
  const queue: Input[] = [];

  const arm = (): void => {
    const deadline = machine.nextDeadline();
    if (deadline === armedAt && timer !== undefined) return;
    timer?.cancel();
    timer = undefined;
    armedAt = deadline;
    if (deadline === undefined || isStopped) return;
    timer = clock.setTimer(deadline - clock.now(), () => {
      timer = undefined;
      armedAt = undefined;
      host.step(tick(clock.now()));
    });
  };

  const host: MachineHost<Input> = {
    step(input) {
      if (isStopped) return;
      queue.push(input);
      if (isApplying) return;
      isApplying = true;
      try {
        for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
          if (isStopped) break;
          // An input made before a later one was fed (queued behind it, or built from an
          // earlier clock reading) is fed at the latest time fed so far: time never goes back.
          const input = next.now < lastNow ? { ...next, now: lastNow } : next;
          lastNow = input.now;
          for (const output of machine.step(input)) apply(output);
        }
      } finally {
        // A step or an output that throws (a caller mistake) propagates; the inputs queued
        // behind it are dropped, and the timer is re-armed so the machine keeps being ticked.
        isApplying = false;
        queue.length = 0;
        arm();
      }
    },
    arm,
    stop() {
      isStopped = true;
      timer?.cancel();
      timer = undefined;
    },
  };
  return host;
}
