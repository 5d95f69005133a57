import type { PlumtreeConfig } from "./config.js";
import { peek, queue, shift } from "./deadline-queue.js";
import type { GossipOutput } from "./gossip-types.js";
import type { GossipMessage } from "./messages.js";

/** Plumtree counters (all zero in the other forwarding modes). */
export interface PlumtreeCounters {
  /** `gossip.ihave` messages sent. */
  readonly ihaveSent: number;
  /** Ids announced in them (first announcements, re-announcements and answers). */
  readonly ihaveIdsSent: number;
  /** `gossip.graft` messages sent (each asks one announcer for one missing id). */
  readonly graftsSent: number;
  /** `gossip.prune` messages sent (one per duplicate full copy received). */
  readonly prunesSent: number;
  /** Full copies sent in answer to a graft (included in `sent`). */
  readonly graftsServed: number;
  /** `gossip.ihave`, `gossip.graft` and `gossip.prune` messages received (from anyone). */
  readonly controlReceived: number;
  /**
   * Control messages and announced ids dropped: from a non-neighbour, in another forwarding
   * mode, past a table's bound, or a graft past `maxGraftAttempts` for one id and neighbour.
   */
  readonly controlDropped: number;
}

/** What a Plumtree peer holds, for tests and metrics. */
export interface PlumtreeView {
  /** Neighbours that get full copies (the tree), sorted. */
  readonly eager: readonly string[];
  /** Neighbours that get announcements only, sorted. */
  readonly lazy: readonly string[];
  /** Announced ids this peer lacks and waits for (at most `maxMissing`). */
  readonly missing: number;
  /** Messages kept to answer grafts and announce again (at most `cache.maxMessages`). */
  readonly cached: number;
  /** Ids waiting to be announced (sent at the next flush). */
  readonly queuedIds: number;
}

/** A message kept to answer grafts and to announce again. */
interface Cached {
  /** As this peer sends it on (hops already counted). */
  readonly message: GossipMessage;
  readonly atMs: number;
  /** Neighbours known to have it: it came from them, or they announced it. */
  readonly has: Set<string>;
  /** Neighbours sent a copy or an announcement of it (no need to answer their announcement). */
  readonly told: Set<string>;
  /** Grafts answered per neighbour (at most `maxGraftAttempts` each). */
  readonly served: Map<string, number>;
  /** The first copy came over a tree link (an eager neighbour), not a graft or a race. */
  readonly isFromTree: boolean;
}

/** An announced id this peer lacks. */
interface Missing {
  /** Neighbours that announced it, in order (grafted in turn). */
  readonly announcers: string[];
  attempts: number;
  deadline: number;
}

/** What the gossip machine lends the Plumtree state. */
interface PlumtreeHooks {
  /** Counts a full copy sent (the machine's `sent` counter). */
  readonly countCopy: () => void;
  /** Longest a message may be cached: `messageList.ttlMs` (an older copy could be delivered twice). */
  readonly maxAgeMs: number;
}

/**
 * The Plumtree part of the gossip machine: eager and lazy neighbours, the cache of recent
 * messages, the table of missing ids with their graft timers, re-announcement rounds and the
 * announcement outbox. Every method appends its outputs to `outputs`; time comes from the
 * caller (the machine's `now`), never from a clock.
 */
export function createPlumtree(config: PlumtreeConfig, hooks: PlumtreeHooks) {
  const eager = new Set<string>();
  const lazy = new Set<string>();
  let neighbours: readonly string[] = [];
  const cache = new Map<string, Cached>();
  const missing = new Map<string, Missing>();
  /** Missing ids per announcer (bounded by `maxMissingPerNeighbour`). */
  const announced = new Map<string, number>();
  /** First waits (missingTimeoutMs) and graft waits (graftTimeoutMs): each FIFO is time-ordered. */
  const waits = [queue(), queue()] as const;
  /** Re-announcement round r (0-based) of each cached id. */
  const rounds = Array.from({ length: config.reannounceRounds }, () => queue());
  /** Ids sent to new neighbours by catch-up, each to be announced to its neighbour once, later. */
  const catchUps = queue<{ id: string; at: number; to: string }>();
  const outbox = new Map<string, Set<string>>();
  let flushAt: number | undefined;
  const maxAgeMs = Math.min(config.cache.maxAgeMs, hooks.maxAgeMs);
  const counters = {
    ihaveSent: 0,
    ihaveIdsSent: 0,
    graftsSent: 0,
    prunesSent: 0,
    graftsServed: 0,
    controlReceived: 0,
    controlDropped: 0,
  };

  /** Eager neighbours that sent duplicates since their last first copy: how many in a row. */
  const duplicateStreaks = new Map<string, number>();
  const makeEager = (peer: string) => {
    lazy.delete(peer);
    eager.add(peer);
  };
  /**
   * A link a graft put back in the tree has not carried a first copy yet: its first duplicate
   * prunes it again (a first copy over it earns it the usual tolerance).
   */
  const graftedLink = (peer: string) => {
    duplicateStreaks.set(peer, config.pruneAfterDuplicates - 1);
  };
  const makeLazy = (peer: string) => {
    duplicateStreaks.delete(peer);
    eager.delete(peer);
    lazy.add(peer);
  };

  /**
   * When a re-announcement round falls due: on a grid of an eighth of the interval, so ids due
   * close together go out in one `gossip.ihave` per neighbour rather than one each (rounding up
   * keeps each round's queue in time order).
   */
  const reannounceAt = (at: number): number => {
    const grid = config.reannounceIntervalMs / 8;
    return Math.ceil(at / grid) * grid;
  };

  function announce(now: number, to: string, id: string): void {
    const ids = outbox.get(to) ?? new Set<string>();
    outbox.set(to, ids);
    ids.add(id);
    flushAt ??= now + config.announceDelayMs;
  }

  function sendCopy(outputs: GossipOutput[], to: string, message: GossipMessage): void {
    outputs.push({ type: "send", to, message });
    hooks.countCopy();
  }

  function dropMissing(id: string, entry: Missing): void {
    missing.delete(id);
    for (const announcer of entry.announcers) {
      const count = (announced.get(announcer) ?? 1) - 1;
      if (count > 0) announced.set(announcer, count);
      else announced.delete(announcer);
    }
  }

  function expireCache(now: number): void {
    for (const [id, entry] of cache) {
      if (cache.size <= config.cache.maxMessages && entry.atMs + maxAgeMs > now) break;
      cache.delete(id);
    }
  }

  /**
   * Keeps `message` for grafts and re-announcement, and pushes it: in full to the eager
   * neighbours, as an id to the lazy ones, never to the neighbours in `has` (it came from
   * them, or they announced it). Returns the full-copy targets.
   */
  function push(
    outputs: GossipOutput[],
    now: number,
    message: GossipMessage,
    has: readonly string[],
    isFromTree: boolean,
  ): readonly string[] {
    const entry: Cached = {
      message,
      atMs: now,
      has: new Set(has),
      told: new Set(),
      served: new Map(),
      isFromTree,
    };
    cache.set(message.id, entry);
    expireCache(now);
    const targets: string[] = [];
    for (const neighbour of neighbours) {
      if (entry.has.has(neighbour)) continue;
      entry.told.add(neighbour);
      if (eager.has(neighbour)) {
        targets.push(neighbour);
        sendCopy(outputs, neighbour, message);
      } else announce(now, neighbour, message.id);
    }
    const first = rounds[0];
    if (first !== undefined)
      first.items.push({ id: message.id, at: reannounceAt(now + config.reannounceIntervalMs) });
    return targets;
  }

  /** The missing id's deadline passed: graft the next announcer still a neighbour, or give up. */
  function graftNext(outputs: GossipOutput[], now: number, id: string, entry: Missing): void {
    const live = entry.announcers.filter(
      (announcer) => eager.has(announcer) || lazy.has(announcer),
    );
    const target = live[entry.attempts % Math.max(1, live.length)];
    if (target === undefined || entry.attempts >= config.maxGraftAttempts) {
      dropMissing(id, entry);
      return;
    }
    entry.attempts++;
    entry.deadline = now + config.graftTimeoutMs;
    waits[1].items.push({ id, at: entry.deadline });
    if (!eager.has(target)) graftedLink(target);
    makeEager(target);
    outputs.push({ type: "send", to: target, message: { type: "gossip.graft", id } });
    counters.graftsSent++;
  }

  return {
    counters,
    /** The neighbour set changed: new neighbours start eager, lost ones leave every table. */
    setNeighbours(current: readonly string[]): void {
      const currentSet = new Set(current);
      for (const peer of [...eager, ...lazy]) {
        if (currentSet.has(peer)) continue;
        eager.delete(peer);
        lazy.delete(peer);
        outbox.delete(peer);
        duplicateStreaks.delete(peer);
      }
      for (const [id, entry] of missing) {
        const kept = entry.announcers.filter((announcer) => currentSet.has(announcer));
        if (kept.length === entry.announcers.length) continue;
        dropMissing(id, entry);
        if (kept.length > 0) {
          missing.set(id, { ...entry, announcers: kept });
          for (const announcer of kept)
            announced.set(announcer, (announced.get(announcer) ?? 0) + 1);
        }
      }
      for (const peer of current) if (!lazy.has(peer)) eager.add(peer);
      neighbours = current;
    },
    /**
     * Catch-up sent `ids` in full to the new neighbour `to`, once. Each is announced to it
     * `reannounceIntervalMs` later unless it is known to have it by then, so that a lost copy
     * is grafted: the re-announcement rounds of an older message may all have passed.
     */
    caughtUp(now: number, to: string, ids: readonly string[]): void {
      const at = reannounceAt(now + config.reannounceIntervalMs);
      for (const id of ids) {
        cache.get(id)?.told.add(to); // sent a copy: its announcement of the id needs no answer
        catchUps.items.push({ id, at, to });
      }
    },
    /** Pushes a message this peer publishes. */
    publish: (outputs: GossipOutput[], now: number, message: GossipMessage) =>
      push(outputs, now, message, [], true),
    /**
     * First receipt of `message` (already verified and delivered) from `from`: the link joins
     * the tree, the id is no longer missing, and the message is pushed on unless `isLast`
     * (`maxHops`), to neither `from` nor the neighbours that announced it. Returns the
     * full-copy targets.
     */
    delivered(
      outputs: GossipOutput[],
      now: number,
      message: GossipMessage,
      from: string,
      isLast: boolean,
    ): readonly string[] {
      const isFromTree = eager.has(from);
      duplicateStreaks.delete(from);
      makeEager(from);
      const waiting = missing.get(message.id);
      if (waiting !== undefined) dropMissing(message.id, waiting);
      if (isLast) return [];
      return push(outputs, now, message, [from, ...(waiting?.announcers ?? [])], isFromTree);
    },
    /**
     * A full copy of a message already seen. From an eager neighbour, the
     * `pruneAfterDuplicates`-th in a row makes `from` leave the tree, and it is told so; from a
     * lazy one (our PRUNE may have been lost) it is told again at once. Never when the first
     * copy came over a lazy link (a graft's answer, or a copy sent before our PRUNE arrived):
     * then the duplicate is the tree working, and pruning it could cut this peer off.
     */
    duplicate(outputs: GossipOutput[], id: string, from: string): void {
      const entry = cache.get(id);
      entry?.has.add(from);
      if (entry?.isFromTree === false) return;
      if (eager.has(from)) {
        const streak = (duplicateStreaks.get(from) ?? 0) + 1;
        if (streak < config.pruneAfterDuplicates) {
          duplicateStreaks.set(from, streak);
          return;
        }
      }
      makeLazy(from);
      outputs.push({ type: "send", to: from, message: { type: "gossip.prune" } });
      counters.prunesSent++;
    },
    /**
     * `from` announces `ids`. A known id: `from` has it (and is told we have it too, once). An
     * unknown one: wait `missingTimeoutMs` for the tree to bring it, then graft.
     */
    ihave(
      now: number,
      from: string,
      ids: readonly string[],
      isKnown: (id: string) => boolean,
    ): void {
      counters.controlReceived++;
      for (const id of ids) {
        if (isKnown(id)) {
          const entry = cache.get(id);
          if (entry === undefined) continue;
          entry.has.add(from);
          if (entry.told.has(from)) continue;
          entry.told.add(from);
          announce(now, from, id);
          continue;
        }
        const entry = missing.get(id);
        if (entry?.announcers.includes(from)) continue;
        const isFull =
          (announced.get(from) ?? 0) >= config.maxMissingPerNeighbour ||
          (entry === undefined
            ? missing.size >= config.maxMissing
            : entry.announcers.length >= config.maxAnnouncers);
        if (isFull) {
          counters.controlDropped++;
          continue;
        }
        announced.set(from, (announced.get(from) ?? 0) + 1);
        if (entry !== undefined) {
          entry.announcers.push(from);
          continue;
        }
        const deadline = now + config.missingTimeoutMs;
        missing.set(id, { announcers: [from], attempts: 0, deadline });
        waits[0].items.push({ id, at: deadline });
      }
    },
    /** `from` lacks `id`: it joins the tree, and gets the message if this peer still has it. */
    graft(outputs: GossipOutput[], from: string, id: string): void {
      counters.controlReceived++;
      if (!eager.has(from)) graftedLink(from);
      makeEager(from);
      const entry = cache.get(id);
      if (entry === undefined) return;
      const served = entry.served.get(from) ?? 0;
      if (served >= config.maxGraftAttempts) {
        counters.controlDropped++;
        return;
      }
      entry.served.set(from, served + 1);
      entry.told.add(from);
      sendCopy(outputs, from, entry.message);
      counters.graftsServed++;
    },
    /** `from` has us lazy: announce to it from now on. */
    prune(from: string): void {
      counters.controlReceived++;
      makeLazy(from);
    },
    /** Counts a control message that was not acted on (from a non-neighbour). */
    dropped(): void {
      counters.controlReceived++;
      counters.controlDropped++;
    },
    /** Fires graft timers and re-announcement rounds that are due. */
    tick(outputs: GossipOutput[], now: number): void {
      expireCache(now);
      for (const wait of waits) {
        for (let item = peek(wait); item !== undefined && item.at <= now; item = peek(wait)) {
          shift(wait);
          const entry = missing.get(item.id);
          if (entry !== undefined && entry.deadline === item.at)
            graftNext(outputs, now, item.id, entry);
        }
      }
      for (let item = peek(catchUps); item !== undefined && item.at <= now; item = peek(catchUps)) {
        shift(catchUps);
        const { id, to } = item;
        const entry = cache.get(id);
        if (entry === undefined || entry.has.has(to) || !(eager.has(to) || lazy.has(to))) continue;
        entry.told.add(to);
        announce(now, to, id);
      }
      rounds.forEach((round, index) => {
        for (let item = peek(round); item !== undefined && item.at <= now; item = peek(round)) {
          shift(round);
          const entry = cache.get(item.id);
          if (entry === undefined) continue;
          const targets = neighbours.filter((neighbour) => !entry.has.has(neighbour));
          for (const to of targets) {
            entry.told.add(to);
            announce(now, to, item.id);
          }
          const next = rounds[index + 1];
          if (next !== undefined && targets.length > 0)
            next.items.push({
              id: item.id,
              at: reannounceAt(now + config.reannounceIntervalMs * 2 ** (index + 1)),
            });
        }
      });
    },
    /** Sends the queued announcements once `announceDelayMs` has passed (call after each step). */
    flush(outputs: GossipOutput[], now: number): void {
      if (flushAt === undefined || flushAt > now) return;
      flushAt = undefined;
      for (const to of [...outbox.keys()].sort()) {
        const ids = [...(outbox.get(to) ?? [])];
        for (let start = 0; start < ids.length; start += config.maxIhaveIds) {
          const chunk = ids.slice(start, start + config.maxIhaveIds);
          outputs.push({ type: "send", to, message: { type: "gossip.ihave", ids: chunk } });
          counters.ihaveSent++;
          counters.ihaveIdsSent += chunk.length;
        }
      }
      outbox.clear();
    },
    /** The earliest timer, flush or round due, or undefined. */
    nextDeadline(): number | undefined {
      let next = flushAt;
      for (const q of [...waits, ...rounds, catchUps]) {
        const at = peek(q)?.at;
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
      return next;
    },
    inspect(): PlumtreeView {
      let queuedIds = 0;
      for (const ids of outbox.values()) queuedIds += ids.size;
      return {
        eager: [...eager].sort(),
        lazy: [...lazy].sort(),
        missing: missing.size,
        cached: cache.size,
        queuedIds,
      };
    },
  };
}
