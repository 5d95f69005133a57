import type { MemberRecord, RegisterResponse } from "./messages.js";

/**
 * A registration (or rejoin) in progress: ⌊n/2⌋+1 slots at once, each walking one seed order
 * (every seed tried by at most one slot) until a seed commits it or no seed is left. A slot
 * closes when its seed committed or when it runs out of seeds; the round is over once every
 * slot has closed.
 */
export interface RegistrationRound {
  readonly isRejoin: boolean;
  /** The next untried seed for a slot; undefined: none is left, and that slot closed. */
  nextSeed(): string | undefined;
  /**
   * `seed`'s answer to a slot's request (undefined: none came). True when it committed the
   * registration (the slot closed); false when the slot should try the next seed.
   */
  answer(seed: string, answer: RegisterResponse | undefined): boolean;
  /** True once every slot has closed. */
  readonly isOver: boolean;
  /** The record with the highest incarnation the seeds committed (undefined: none did). */
  readonly record: MemberRecord | undefined;
  /** The seeds that committed it, sorted. */
  answered(): string[];
  /** What each seed that did not commit it said, in order. */
  readonly problems: readonly string[];
}

/** Starts a round of `slots` slots over the seeds in `order`. */
export function createRegistrationRound(
  isRejoin: boolean,
  order: readonly string[],
  slots: number,
): RegistrationRound {
  let next = 0;
  let slotsOpen = slots;
  let record: MemberRecord | undefined;
  const answered: string[] = [];
  const problems: string[] = [];
  return {
    isRejoin,
    nextSeed() {
      const seed = order[next];
      if (seed === undefined) slotsOpen -= 1;
      else next += 1;
      return seed;
    },
    answer(seed, answer) {
      if (answer === undefined) {
        problems.push(`${seed}: no answer`);
        return false;
      }
      if (!answer.ok || answer.record === null) {
        const error = answer.error;
        problems.push(`${seed}: ${error === null ? "refused" : `${error.code}: ${error.message}`}`);
        return false;
      }
      answered.push(seed);
      if (record === undefined || answer.record.incarnation >= record.incarnation)
        record = answer.record;
      slotsOpen -= 1;
      return true;
    },
    get isOver() {
      return slotsOpen === 0;
    },
    get record() {
      return record;
    },
    answered: () => [...answered].sort(),
    problems,
  };
}
