import type { RandomSource } from "@p2p/wire";
import { type Ballot, compareBallots } from "./ballot.js";
import {
  DEFAULT_LIST_WALK_LIMITS,
  LIST_WALK_START,
  type ListWalk,
  type ListWalkLimits,
  nextListPage,
} from "./list-pages.js";
import type { LearnMessage, ListResponse } from "./messages.js";
import type { SeedRegistryConfig, SeedRegistryOutput } from "./seed-registry-types.js";

/** Operation ids of catch-up and anti-entropy reads start with this. */
export const CATCH_UP = "catch-up:";
/** Request ids of anti-entropy list requests start with this. */
const SYNC = "sync/";

/** What anti-entropy needs from the registry core. */
export interface AntiEntropyCore {
  /** The ballot of the latest value this seed knows for `key`. */
  knownBallot(key: string): Ballot | undefined;
  /** The version (ballot counter) of this seed's live record of `key`, if it has one. */
  versionOf(key: string): number | undefined;
  /** True when this seed's own acceptor accepted exactly `message`'s value at its ballot. */
  acceptedExactly(message: LearnMessage): boolean;
  /** Applies a confirmed learn to the local view. */
  learn(message: LearnMessage): SeedRegistryOutput[];
  /** Starts a quorum read of `key` under `operationId`. */
  read(now: number, operationId: string, key: string): SeedRegistryOutput[];
}

/**
 * How a seed catches up without trusting any other seed's word:
 * - a learn message is applied only once this seed's own acceptor accepted exactly that
 *   value; otherwise, after `catchUpDelayMs`, a quorum read settles it;
 * - every `syncIntervalMs` (from the first message received) one other seed, picked
 *   with the injected random, is asked for its versions, page by page (one page at a time,
 *   each asked once the one before is handled), and every record where this seed lags is
 *   quorum-read.
 * At most one read per key is in flight, and at most `maxCatchUpReads` in all: a page that
 * finds more lagging records than that pauses the walk, which asks again from the first record
 * it could not read once reads have completed (checked every `attemptTimeoutMs`). A walk whose
 * seed stops answering is given up at the next comparison (a new one starts with a seed picked
 * again); a seed that passes the walk's bounds or whose cursor does not advance ends it.
 */
export interface AntiEntropy {
  /** A learn message from another seed. */
  onLearn(now: number, message: LearnMessage): SeedRegistryOutput[];
  /** This seed's acceptor accepted something for `key`: apply a learn that waited for it. */
  confirm(key: string): SeedRegistryOutput[];
  /** Another seed answered a version request (one page of its versions). */
  onVersions(now: number, from: string, message: ListResponse): SeedRegistryOutput[];
  /**
   * Starts the periodic version comparison (idempotent). The registry calls it on the first
   * message it receives: a seed nobody has talked to has nobody to compare with, and nobody
   * who could see its view.
   */
  start(now: number): void;
  tick(now: number): SeedRegistryOutput[];
  /** A read started here completed (whatever its result). */
  readCompleted(key: string): void;
  nextDeadline(): number | undefined;
  readonly pendingLearns: number;
  readonly reads: number;
  readonly nextSyncAt: number | undefined;
}

/** A comparison in progress: one other seed's version pages, walked one at a time. */
interface VersionWalk {
  readonly to: string;
  /** The page request awaiting its answer; undefined while paused for read capacity. */
  requestId: string | undefined;
  position: ListWalk;
  /** When the pending page was asked for, or (paused) when to try to resume. */
  at: number;
}

/** Creates the anti-entropy part of a registry (`walkLimits` bounds one walk of pages). */
export function createAntiEntropy(
  config: SeedRegistryConfig,
  random: RandomSource,
  core: AntiEntropyCore,
  walkLimits: ListWalkLimits = DEFAULT_LIST_WALK_LIMITS,
): AntiEntropy {
  const others = config.seeds.filter((seed) => seed !== config.seedId);
  /** Learn messages not yet confirmed by this seed's own acceptor. */
  const pendingLearns = new Map<string, { message: LearnMessage; dueAt: number }>();
  /** Keys with a quorum read in flight. */
  const reading = new Set<string>();
  let nextSyncAt: number | undefined;
  let walk: VersionWalk | undefined;
  let sequence = 0;

  const isBehind = (key: string, ballot: Ballot): boolean => {
    const known = core.knownBallot(key);
    return known === undefined || compareBallots(known, ballot) < 0;
  };

  const read = (now: number, key: string): SeedRegistryOutput[] => {
    if (reading.has(key) || reading.size >= config.maxCatchUpReads) return [];
    reading.add(key);
    sequence += 1;
    return core.read(now, `${CATCH_UP}${key}:${sequence}`, key);
  };

  const requestPage = (now: number, current: VersionWalk): SeedRegistryOutput[] => {
    sequence += 1;
    current.requestId = `${SYNC}${sequence}`;
    current.at = now;
    const after = current.position.after;
    return [
      {
        type: "send",
        to: current.to,
        message: {
          type: "quorum.list-request",
          requestId: current.requestId,
          ...(after === undefined ? {} : { after }),
        },
      },
    ];
  };

  const sync = (now: number): SeedRegistryOutput[] => {
    nextSyncAt = now + config.syncIntervalMs;
    // A walk still moving (or paused for read capacity) goes on; one that stalled is given up.
    const isMoving = walk !== undefined && now - walk.at < config.syncIntervalMs;
    if (walk !== undefined && (walk.requestId === undefined || isMoving)) return [];
    const to = others[Math.floor(random.next() * others.length)];
    if (to === undefined) return [];
    walk = { to, requestId: undefined, position: LIST_WALK_START, at: now };
    return requestPage(now, walk);
  };

  /** A page of versions from the seed being walked: reads where this seed lags, then the next page. */
  const onPage = (now: number, current: VersionWalk, page: ListResponse): SeedRegistryOutput[] => {
    current.requestId = undefined;
    const step = nextListPage(current.position, page, walkLimits);
    if (step.type === "refused") {
      walk = undefined;
      return [];
    }
    const outputs: SeedRegistryOutput[] = [];
    let handled = 0;
    for (const entry of page.members) {
      const key = entry.record.address;
      const mine = core.versionOf(key);
      if (mine === undefined || mine < entry.version) {
        if (!reading.has(key) && reading.size >= config.maxCatchUpReads) {
          // Out of read capacity: resume from this record once reads have completed.
          const after =
            handled === 0 ? current.position.after : page.members[handled - 1]?.record.address;
          current.position = {
            after,
            pages: step.walk.pages,
            entries: current.position.entries + handled,
          };
          current.at = now + config.attemptTimeoutMs;
          return outputs;
        }
        outputs.push(...read(now, key));
      }
      handled += 1;
    }
    if (step.type === "done") {
      walk = undefined;
      return outputs;
    }
    current.position = step.walk;
    outputs.push(...requestPage(now, current));
    return outputs;
  };

  return {
    onLearn(now, message) {
      if (!isBehind(message.key, message.ballot)) return [];
      if (core.acceptedExactly(message)) return core.learn(message);
      // Not (yet) accepted here — the accept may still be on its way. Check again when it
      // arrives; catch up with a quorum read if it has not come by the deadline.
      const pending = pendingLearns.get(message.key);
      // Full: the learn is dropped; the periodic version comparison still catches it up.
      if (pending === undefined && pendingLearns.size >= config.maxPendingLearns) return [];
      if (pending === undefined || compareBallots(pending.message.ballot, message.ballot) < 0) {
        pendingLearns.set(message.key, {
          message,
          dueAt: pending?.dueAt ?? now + config.catchUpDelayMs,
        });
      }
      return [];
    },
    confirm(key) {
      const pending = pendingLearns.get(key);
      if (pending === undefined || !core.acceptedExactly(pending.message)) return [];
      pendingLearns.delete(key);
      return core.learn(pending.message);
    },
    onVersions(now, from, message) {
      const current = walk;
      if (current?.requestId === undefined) return [];
      if (from !== current.to || message.requestId !== current.requestId) return [];
      return onPage(now, current, message);
    },
    start(now) {
      if (nextSyncAt === undefined && others.length > 0) {
        nextSyncAt = now + config.syncIntervalMs;
      }
    },
    tick(now) {
      const outputs: SeedRegistryOutput[] = [];
      for (const [key, pending] of [...pendingLearns].sort(([x], [y]) => (x < y ? -1 : 1))) {
        if (pending.dueAt > now) continue;
        pendingLearns.delete(key);
        if (isBehind(key, pending.message.ballot)) outputs.push(...read(now, key));
      }
      const paused = walk;
      if (paused !== undefined && paused.requestId === undefined && now >= paused.at) {
        if (reading.size < config.maxCatchUpReads) outputs.push(...requestPage(now, paused));
        else paused.at = now + config.attemptTimeoutMs;
      }
      if (nextSyncAt !== undefined && now >= nextSyncAt) outputs.push(...sync(now));
      return outputs;
    },
    readCompleted(key) {
      reading.delete(key);
    },
    nextDeadline() {
      let next = nextSyncAt;
      const paused = walk?.requestId === undefined ? walk : undefined;
      if (paused !== undefined && (next === undefined || paused.at < next)) next = paused.at;
      for (const pending of pendingLearns.values()) {
        if (next === undefined || pending.dueAt < next) next = pending.dueAt;
      }
      return next;
    },
    get pendingLearns() {
      return pendingLearns.size;
    },
    get reads() {
      return reading.size;
    },
    get nextSyncAt() {
      return nextSyncAt;
    },
  };
}
