import type { RandomSource } from "@p2p/wire";
import { type Ballot, compareBallots } from "./ballot.js";
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
 *   with the injected random, is asked for its versions, and every record where this seed
 *   lags is quorum-read.
 * At most one read per key is in flight, and at most `maxCatchUpReads` in all.
 */
export interface AntiEntropy {
  /** A learn message from another seed. */
  onLearn(now: number, message: LearnMessage): SeedRegistryOutput[];
  /** This seed's acceptor accepted something for `key`: apply a learn that waited for it. */
  confirm(key: string): SeedRegistryOutput[];
  /** Another seed answered a version request. */
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

/** Creates the anti-entropy part of a registry. */
export function createAntiEntropy(
  config: SeedRegistryConfig,
  random: RandomSource,
  core: AntiEntropyCore,
): AntiEntropy {
  const others = config.seeds.filter((seed) => seed !== config.seedId);
  /** Learn messages not yet confirmed by this seed's own acceptor. */
  const pendingLearns = new Map<string, { message: LearnMessage; dueAt: number }>();
  /** Keys with a quorum read in flight. */
  const reading = new Set<string>();
  let nextSyncAt: number | undefined;
  let syncRequest: { readonly requestId: string; readonly to: string } | undefined;
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

  const sync = (now: number): SeedRegistryOutput[] => {
    nextSyncAt = now + config.syncIntervalMs;
    const to = others[Math.floor(random.next() * others.length)];
    if (to === undefined) return [];
    sequence += 1;
    syncRequest = { requestId: `${SYNC}${sequence}`, to };
    return [
      {
        type: "send",
        to,
        message: { type: "quorum.list-request", requestId: syncRequest.requestId },
      },
    ];
  };

  return {
    onLearn(now, message) {
      if (!isBehind(message.key, message.ballot)) return [];
      if (core.acceptedExactly(message)) return core.learn(message);
      // Not (yet) accepted here — the accept may still be on its way. Check again when it
      // arrives; catch up with a quorum read if it has not come by the deadline.
      const pending = pendingLearns.get(message.key);
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
      if (syncRequest === undefined) return [];
      if (from !== syncRequest.to || message.requestId !== syncRequest.requestId) return [];
      syncRequest = undefined;
      const outputs: SeedRegistryOutput[] = [];
      for (const entry of message.members) {
        const key = entry.record.address;
        const mine = core.versionOf(key);
        if (mine !== undefined && mine >= entry.version) continue;
        outputs.push(...read(now, key));
      }
      return outputs;
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
      if (nextSyncAt !== undefined && now >= nextSyncAt) outputs.push(...sync(now));
      return outputs;
    },
    readCompleted(key) {
      reading.delete(key);
    },
    nextDeadline() {
      let next = nextSyncAt;
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
