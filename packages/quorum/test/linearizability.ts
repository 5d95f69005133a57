/**
 * A linearizability checker in the style of Wing & Gong, with Lowe's memoisation (the
 * algorithm Porcupine uses): depth-first search over the operations that may take effect
 * next, caching (set of linearized operations, model state) pairs already explored.
 */

/** A sequential specification. `step` returns the next state, or undefined when `output` is impossible there. */
export interface Model<State, Input, Output> {
  readonly init: State;
  /** `output` undefined: the operation's answer is unknown (it may or may not have taken effect). */
  step(
    state: State,
    input: Input,
    output: Output | undefined,
  ): { readonly state: State } | undefined;
  /** A canonical string of a state (memoisation key). */
  key(state: State): string;
}

/** One operation of a history: invoked at `call`, answered at `ret` (Infinity: never answered). */
export interface HistoryOperation<Input, Output> {
  readonly call: number;
  readonly ret: number;
  readonly input: Input;
  /** Undefined when the answer is unknown (lost, timed out, or indeterminate). */
  readonly output: Output | undefined;
}

/**
 * The verdict: linearizable, or not (with the operations the search could not place), or
 * undecided: the search budget ran out first (neither a pass nor a failure; count it).
 */
export type CheckResult =
  | { readonly ok: true; readonly steps: number }
  | { readonly ok: false; readonly reason: string; readonly steps: number }
  | { readonly ok: "undecided"; readonly reason: string; readonly steps: number };

/** How much search a check may spend before it answers "undecided". */
export interface SearchBudget {
  /** Search steps (states tried); deterministic, so a replayed seed gets the same verdict. */
  readonly maxSteps?: number;
  /** Wall-clock milliseconds (machine-dependent: use for a safety net, not for verdicts). */
  readonly maxMs?: number;
}

/** The default: 20× the most the simulations' histories have needed (about a second at worst). */
export const DEFAULT_BUDGET: SearchBudget = { maxSteps: 100_000 };

/** Thrown inside the search when the budget is spent. */
class BudgetSpent extends Error {}

/**
 * Checks one history against `model`. Unanswered operations may be placed anywhere after
 * their call, or nowhere. Gives up with "undecided" once `budget` is spent.
 */
export function checkLinearizable<State, Input, Output>(
  model: Model<State, Input, Output>,
  history: readonly HistoryOperation<Input, Output>[],
  budget: SearchBudget = DEFAULT_BUDGET,
): CheckResult {
  const maxSteps = budget.maxSteps ?? Number.POSITIVE_INFINITY;
  const deadline =
    budget.maxMs === undefined ? Number.POSITIVE_INFINITY : performance.now() + budget.maxMs;
  let steps = 0;
  const operations = [...history].sort((a, b) => a.call - b.call);
  const count = operations.length;
  const completed = operations.filter(
    (operation) => operation.ret !== Number.POSITIVE_INFINITY,
  ).length;
  const done = new Uint8Array(count);
  const inputKeys = operations.map((operation) => JSON.stringify(operation.input));
  const seen = new Set<string>();
  let best = 0;

  const maskKey = (): string => {
    let key = "";
    for (let index = 0; index < count; index += 32) {
      let word = 0;
      for (let bit = 0; bit < 32 && index + bit < count; bit++) {
        if (done[index + bit] === 1) word |= 1 << bit;
      }
      key += `${(word >>> 0).toString(36)},`;
    }
    return key;
  };

  const search = (state: State, completedDone: number): boolean => {
    if (completedDone === completed) return true;
    steps += 1;
    if (steps > maxSteps || ((steps & 1023) === 0 && performance.now() > deadline)) {
      throw new BudgetSpent();
    }
    best = Math.max(best, completedDone);
    // The earliest answer among operations not yet placed: nothing invoked after it can go first.
    let firstReturn = Number.POSITIVE_INFINITY;
    let secondReturn = Number.POSITIVE_INFINITY;
    let firstIndex = -1;
    for (let index = 0; index < count; index++) {
      if (done[index] === 1) continue;
      const ret = (operations[index] as HistoryOperation<Input, Output>).ret;
      if (ret < firstReturn) {
        secondReturn = firstReturn;
        firstReturn = ret;
        firstIndex = index;
      } else if (ret < secondReturn) {
        secondReturn = ret;
      }
    }
    const stateKey = model.key(state);
    const triedPending = new Set<string>();
    for (let index = 0; index < count; index++) {
      if (done[index] === 1) continue;
      const operation = operations[index] as HistoryOperation<Input, Output>;
      const bound = index === firstIndex ? secondReturn : firstReturn;
      if (operation.call >= bound) break; // sorted by call: no later one can go first either
      const isPending = operation.ret === Number.POSITIVE_INFINITY;
      if (isPending) {
        // Two unanswered operations with the same input, both invocable now, are
        // interchangeable: trying one of them is enough.
        const inputKey = inputKeys[index] as string;
        if (triedPending.has(inputKey)) continue;
        triedPending.add(inputKey);
      }
      const stepped = model.step(state, operation.input, operation.output);
      if (stepped === undefined) continue;
      const next = stepped.state;
      // An unanswered operation without effect here is the same as not placing it here
      // (it may still be placed later, or never): no need to branch on it.
      if (isPending && model.key(next) === stateKey) continue;
      done[index] = 1;
      const key = `${maskKey()}|${model.key(next)}`;
      if (!seen.has(key)) {
        seen.add(key);
        const isCompleted = operation.ret !== Number.POSITIVE_INFINITY;
        if (search(next, completedDone + (isCompleted ? 1 : 0))) return true;
      }
      done[index] = 0;
    }
    return false;
  };

  try {
    if (search(model.init, 0)) return { ok: true, steps };
  } catch (error) {
    if (!(error instanceof BudgetSpent)) throw error;
    return {
      ok: "undecided",
      reason: `search budget spent after ${steps - 1} steps (${best} of ${completed} answered operations placed)`,
      steps: steps - 1,
    };
  }
  return {
    ok: false,
    reason: `no linearization: at most ${best} of ${completed} answered operations could be placed`,
    steps,
  };
}

/** A read/write register, the smallest model (used to test the checker itself). */
export type RegisterInput =
  | { readonly kind: "write"; readonly value: number }
  | { readonly kind: "read" };

/** The register model: reads return the last written value (0 initially). */
export const registerModel: Model<number, RegisterInput, number> = {
  init: 0,
  step(state, input, output) {
    if (input.kind === "write") return { state: input.value };
    if (output === undefined) return { state };
    return output === state ? { state } : undefined;
  },
  key: (state) => String(state),
};
