import type { Clock, TimerHandle } from "@p2p/wire";

/** The part of a sans-IO protocol machine a host needs to drive its timers. */
export interface TickableMachine<Output> {
  step(input: { type: "tick"; now: number }): readonly Output[];
  nextDeadline(): number | undefined;
}

/**
 * Drives one sans-IO machine from a {@link Clock}: after every step the host re-arms a
 * single timer at the machine's `nextDeadline()`, and feeds it a tick when it fires.
 * All inputs go through {@link MachineHost.step}, so outputs are applied in order.
 */
export interface MachineHost<Input> {
  /** Steps the machine with `input`, applies the outputs, re-arms the timer. */
  step(input: Input): void;
  /** Cancels the timer; later steps are ignored. */
  stop(): void;
}

/** Creates a {@link MachineHost}. `apply` performs each output (send, emit, …) in order. */
export function createMachineHost<Input, Output>(options: {
  clock: Clock;
  machine: { step(input: Input): readonly Output[]; nextDeadline(): number | undefined };
  tick: (now: number) => Input;
  apply: (output: Output) => void;
}): MachineHost<Input> {
  const { clock, machine, tick, apply } = options;
  let timer: TimerHandle | undefined;
  let armedAt: number | undefined;
  let isStopped = false;

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
      for (const output of machine.step(input)) apply(output);
      arm();
    },
    stop() {
      isStopped = true;
      timer?.cancel();
      timer = undefined;
    },
  };
  return host;
}
