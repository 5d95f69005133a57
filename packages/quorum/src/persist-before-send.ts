import type { SeedRegistryOutput } from "./seed-registry-types.js";
import type { AcceptorState } from "./storage.js";

/** A registry output that goes out to the world (everything but `persist`). */
export type DeliverableOutput = Exclude<SeedRegistryOutput, { type: "persist" }>;

/** What {@link createPersistBeforeSend} needs from its host. */
export interface PersistBeforeSendOptions {
  /**
   * Starts making `state` of `key` durable. Returns nothing when it is durable on return, or a
   * thenable that fulfils once it is durable (rejects: the save failed): a real host passes a
   * Promise, a simulation may pass a thenable that calls back from a simulated event.
   */
  save(key: string, state: AcceptorState): void | PromiseLike<void>;
  /**
   * Starts saving a lazy `persist` (a commit mark): no output waits for it, and a crash may lose
   * it; a store may write it with a later save. Absent: lazy saves go to `save` too. Its failure
   * counts as any failed save.
   */
  saveLazy?(key: string, state: AcceptorState): void | PromiseLike<void>;
  /** Sends a message or reports an event: called only once every earlier save is durable. */
  deliver(output: DeliverableOutput): void;
  /** Called once, with the first failed save; nothing is saved or delivered after it. */
  onFailure(error: unknown): void;
}

/** A read-only view of the group commit, for tests and metrics. */
export interface PersistBeforeSendView {
  /** Saves issued and not yet durable. */
  readonly savesInFlight: number;
  /** Sends and events waiting for a save issued before them. */
  readonly waitingOutputs: number;
  readonly hasFailed: boolean;
}

/** Applies registry outputs in order, keeping the "persist before send" contract. */
export interface PersistBeforeSend {
  apply(output: SeedRegistryOutput): void;
  inspect(): PersistBeforeSendView;
}

const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  (typeof value === "object" || typeof value === "function") &&
  value !== null &&
  typeof (value as { then?: unknown }).then === "function";

/**
 * Persist before send, with group commit: every save is issued at once (so a durable store
 * can batch the writes of many operations into one synced transaction), and every send or
 * event is delivered only after every save issued before it is durable, in the order the
 * outputs came; a lazy save (`isLazy`) is issued in order too, but nothing waits for it. After
 * a failed save nothing more is saved or delivered.
 *
 * Ordering rests on counters and a queue, never on promise scheduling: a save that completes
 * synchronously (returns nothing, or a thenable that calls back at once) delivers at once.
 */
export function createPersistBeforeSend(options: PersistBeforeSendOptions): PersistBeforeSend {
  /** Saves issued so far; save number `n` is the n-th, from 0. */
  let issued = 0;
  /** Saves 0 … durable - 1 are all durable. */
  let durable = 0;
  /** Durable saves at or above `durable` (completed out of order). */
  const completedAhead = new Set<number>();
  /** Outputs waiting, each with the number of saves issued before it. */
  const waiting: { readonly output: DeliverableOutput; readonly after: number }[] = [];
  let hasFailed = false;
  let isFlushing = false;

  const flush = (): void => {
    if (isFlushing) return; // the outer call delivers what became ready (deliver re-entered)
    isFlushing = true;
    try {
      for (let next = waiting[0]; next !== undefined && !hasFailed; next = waiting[0]) {
        if (next.after > durable) break;
        waiting.shift();
        options.deliver(next.output);
      }
    } finally {
      isFlushing = false;
    }
  };

  const fail = (error: unknown): void => {
    if (hasFailed) return;
    hasFailed = true;
    waiting.length = 0;
    completedAhead.clear();
    options.onFailure(error);
  };

  const completed = (index: number): void => {
    if (hasFailed || index < durable) return;
    completedAhead.add(index);
    while (completedAhead.delete(durable)) durable += 1;
    flush();
  };

  const save = (key: string, state: AcceptorState): void => {
    const index = issued;
    issued += 1;
    let completion: ReturnType<PersistBeforeSendOptions["save"]>;
    try {
      completion = options.save(key, state);
    } catch (error) {
      fail(error);
      return;
    }
    if (!isThenable(completion)) {
      completed(index);
      return;
    }
    let isSettled = false; // a thenable may call back twice: the first call counts
    completion.then(
      () => {
        if (isSettled) return;
        isSettled = true;
        completed(index);
      },
      (error: unknown) => {
        if (isSettled) return;
        isSettled = true;
        fail(error);
      },
    );
  };

  const saveLazy = (key: string, state: AcceptorState): void => {
    let completion: void | PromiseLike<void>;
    try {
      completion = (options.saveLazy ?? options.save)(key, state);
    } catch (error) {
      fail(error);
      return;
    }
    if (isThenable(completion)) completion.then(undefined, (error: unknown) => fail(error));
  };

  return {
    apply(output) {
      if (hasFailed) return;
      if (output.type === "persist") {
        if (output.isLazy === true) saveLazy(output.key, output.state);
        else save(output.key, output.state);
        return;
      }
      if (waiting.length === 0 && issued === durable && !isFlushing) {
        options.deliver(output);
        return;
      }
      waiting.push({ output, after: issued });
      flush();
    },
    inspect: () => ({
      savesInFlight: issued - durable - completedAhead.size,
      waitingOutputs: waiting.length,
      hasFailed,
    }),
  };
}
