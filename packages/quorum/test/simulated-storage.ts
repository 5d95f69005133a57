/** A seed's disk in simulated time: saves complete later, in order, and a crash loses the rest. */
import type { Clock, RandomSource } from "@p2p/wire";
import { type AcceptorState, createMemoryStorage } from "../src/index.js";

/** A {@link Storage}-shaped disk whose saves complete after a simulated delay. */
export interface SimulatedStorage {
  /** The completed saves (what a restarted seed loads). */
  loadAll(): ReadonlyMap<string, AcceptorState>;
  /**
   * Starts a save. Synchronous mode (no delay): durable on return. Otherwise returns a
   * thenable that calls back from the simulated event that completes the save.
   */
  save(key: string, state: AcceptorState): void | PromiseLike<void>;
  /** The seed crashed: saves not yet complete are lost (their callbacks never run). */
  crash(): void;
  /** Saves completed so far. */
  readonly completedSaves: number;
  /** Saves lost to crashes so far. */
  readonly lostSaves: number;
}

interface PendingSave {
  readonly key: string;
  readonly state: AcceptorState;
  readonly callbacks: (() => void)[];
  isDone: boolean;
}

/**
 * Creates a simulated disk. A save completes after a random delay in [0, maxDelayMs) (drawn
 * from `random`), never before an earlier save (one queue, as on a real disk), through a timer
 * on `clock` — the seed's own clock, whose timers a crash drops. `maxDelayMs` 0: synchronous.
 */
export function createSimulatedStorage(
  clock: Clock,
  random: RandomSource,
  maxDelayMs: number,
): SimulatedStorage {
  const durable = createMemoryStorage();
  let lastCompletionAt = 0;
  let pending = new Set<PendingSave>();
  let lostSaves = 0;

  const complete = (save: PendingSave): void => {
    if (!pending.delete(save)) return; // lost in a crash
    durable.save(save.key, save.state);
    save.isDone = true;
    for (const callback of save.callbacks.splice(0)) callback();
  };

  return {
    loadAll: () => durable.loadAll(),
    save(key, state) {
      if (maxDelayMs <= 0) {
        durable.save(key, state);
        return;
      }
      const save: PendingSave = { key, state, callbacks: [], isDone: false };
      pending.add(save);
      const completesAt = Math.max(clock.now() + random.next() * maxDelayMs, lastCompletionAt);
      lastCompletionAt = completesAt;
      clock.setTimer(completesAt - clock.now(), () => complete(save));
      const completion: PromiseLike<void> = {
        // biome-ignore lint/suspicious/noThenProperty: a thenable that settles in simulated time
        then(done) {
          if (done !== undefined && done !== null) {
            const run = () => done(undefined);
            if (save.isDone) run();
            else save.callbacks.push(run);
          }
          return completion as PromiseLike<never>;
        },
      };
      return completion;
    },
    crash() {
      lostSaves += pending.size;
      pending = new Set();
    },
    get completedSaves() {
      return durable.saveCount;
    },
    get lostSaves() {
      return lostSaves;
    },
  };
}
