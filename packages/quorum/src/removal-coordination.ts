// How the seeds keep out of each other's way on one removal: the member's owner seed proposes it
// first, and a seed proposes it once however many neighbours report it.
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

/**
 * The removal each member has in flight at this seed, and the reports about the same member
 * and incarnation that came while it ran. Every neighbour of a crashed peer reports it, and each
 * report was a Paxos operation of its own, queued on the member's key: the ones behind the first
 * waited for it and ran out of time under loss. Now the first is proposed and the others wait on
 * its outcome: when it succeeds they get its answer (a removal of a member already dead changes
 * nothing and answers that record, so this is what running each would give); when it fails
 * they are proposed after all.
 */
export function createRemovalsInFlight(maxEntries: number) {
  /** "address#incarnation" → the leading operation's id and the reports waiting on it. */
  const byMember = new Map<string, { readonly leader: string; readonly followers: MarkDead[] }>();
  /** The leading operation's id → its "address#incarnation". */
  const byLeader = new Map<string, string>();
  return {
    /**
     * True when `command` waits on a removal of the same member and incarnation in flight;
     * false when it is to be proposed (it then leads the ones that come while it runs).
     */
    join(command: MarkDead): boolean {
      const member = `${command.address}#${command.incarnation}`;
      const running = byMember.get(member);
      if (running !== undefined) {
        if (running.followers.length >= maxEntries) return false;
        running.followers.push(command);
        return true;
      }
      if (byMember.size < maxEntries) {
        byMember.set(member, { leader: command.operationId, followers: [] });
        byLeader.set(command.operationId, member);
      }
      return false;
    },
    /** Operation `operationId` ended: the reports that waited on it (none if it led nothing). */
    finished(operationId: string): MarkDead[] {
      const member = byLeader.get(operationId);
      if (member === undefined) return [];
      byLeader.delete(operationId);
      const running = byMember.get(member);
      byMember.delete(member);
      return running?.followers ?? [];
    },
  };
}
