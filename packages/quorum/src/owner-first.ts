import type { RandomSource } from "@p2p/wire";
import type { SeedCommand } from "./seed-registry-types.js";

type MarkDead = Extract<SeedCommand, { type: "mark-dead" }>;

/**
 * Removals that a seed other than the member's owner seed ({@link keyOwner}) was asked for,
 * held back to give the owner a head start. A peer's neighbours report its death to every seed
 * at once; three seeds proposing the same removal at once preempt each other's ballots, and on
 * busy or lossy links none of them reaches a quorum before its deadline (a removal then waits
 * seconds for its retries). The owner proposes at once; every other seed proposes only after
 * `graceMs` (+0 to 50 % jitter, so the two others do not collide either), by which time the
 * owner has normally committed the removal and the late proposal finds the record already dead.
 * Were the owner down, the removal still happens, `graceMs` later. Kept in memory only.
 *
 * [keyOwner]: ./ballot.ts
 */
export function createOwnerFirst(config: {
  /** How long a seed that does not own the member waits before it proposes (0: never waits). */
  readonly graceMs: number;
  /** Most removals held at once; past it a removal is proposed at once. */
  readonly maxEntries: number;
  readonly random: RandomSource;
  /** True when this seed owns `address`'s record. */
  readonly isOwner: (address: string) => boolean;
}) {
  /** Removals held back, in arrival order (their due times grow with it, up to the jitter). */
  let waiting: { readonly at: number; readonly command: MarkDead }[] = [];
  return {
    /** True when `command` waits for the owner: {@link due} hands it back once its time came. */
    defer(now: number, command: MarkDead): boolean {
      if (config.graceMs <= 0 || config.isOwner(command.address)) return false;
      if (waiting.length >= config.maxEntries) return false;
      const at = now + config.graceMs * (1 + 0.5 * config.random.next());
      waiting.push({ at, command });
      return true;
    },
    /** The held removals whose time has come, to propose now. */
    due(now: number): MarkDead[] {
      if (waiting.every((entry) => entry.at > now)) return [];
      const ready = waiting.filter((entry) => entry.at <= now).map((entry) => entry.command);
      waiting = waiting.filter((entry) => entry.at > now);
      return ready;
    },
    /** When the next held removal is due (undefined: none is held). */
    nextDeadline(): number | undefined {
      let next: number | undefined;
      for (const { at } of waiting) if (next === undefined || at < next) next = at;
      return next;
    },
  };
}
