// What the p2p side's own output says happened: removals logged by the seeds, and messages
// delivered by the peers, turned into the figures of the table (pure functions, no processes).

/** One gossip message of the run: when its origin stamped it and when each peer delivered it. */
export interface Message {
  readonly origin: string;
  readonly text: string;
  readonly stampedMs: number;
  readonly deliveredMs: Map<string, number>;
}

/**
 * The seeds' removal lines: peer → seed → every time (ms, the seed's clock) it logged the peer
 * removed as dead. A peer removed while alive rejoins under a higher incarnation and can be
 * removed again later, so every line is kept.
 */
export class RemovalLog {
  private readonly byPeer = new Map<string, Map<string, number[]>>();

  /** A seed logged `peer` removed as dead at `atMs` (its own clock). */
  record(peer: string, seed: string, atMs: number): void {
    let bySeed = this.byPeer.get(peer);
    if (bySeed === undefined) {
      bySeed = new Map();
      this.byPeer.set(peer, bySeed);
    }
    bySeed.set(seed, [...(bySeed.get(seed) ?? []), atMs]);
  }

  /**
   * When the last of `seeds` logged `peer` removed at or after `sinceMs` (its kill); undefined
   * while one has not. A removal from before the kill is a false removal, not a detection.
   */
  removedEverywhere(peer: string, seeds: readonly string[], sinceMs: number): number | undefined {
    const bySeed = this.byPeer.get(peer);
    let last = Number.NEGATIVE_INFINITY;
    for (const seed of seeds) {
      const first = bySeed?.get(seed)?.find((atMs) => atMs >= sinceMs);
      if (first === undefined) return undefined;
      last = Math.max(last, first);
    }
    return last;
  }

  /** Peers removed while alive: never killed (absent from `killedAt`), or removed before it. */
  falseRemovals(killedAt: ReadonlyMap<string, number>): string[] {
    return [...this.byPeer].flatMap(([peer, bySeed]) => {
      const killed = killedAt.get(peer) ?? Number.POSITIVE_INFINITY;
      const isFalse = [...bySeed.values()].some((times) => times.some((atMs) => atMs < killed));
      return isFalse ? [peer] : [];
    });
  }
}

/** The dissemination figures of the messages stamped in a window. */
export interface Dissemination {
  /** Messages whose origin is a live peer, stamped in the window. */
  readonly stamped: number;
  /** Of them, those every other live peer delivered. */
  readonly complete: number;
  /** Per complete message: seconds from the stamp to the last delivery. */
  readonly seconds: number[];
  /** Why there is nothing to measure, when there is not. */
  readonly error?: string;
}

/** Stamp-to-last-delivery times of the messages stamped in [startMs, endMs] by one of `peers`. */
export function disseminationOf(
  messages: readonly Message[],
  peers: readonly string[],
  startMs: number,
  endMs: number,
): Dissemination {
  const live = new Set(peers);
  let stamped = 0;
  let complete = 0;
  const seconds: number[] = [];
  for (const message of messages) {
    if (message.stampedMs < startMs || message.stampedMs > endMs) continue;
    if (!live.has(message.origin)) continue;
    stamped += 1;
    const others = peers.filter((peer) => peer !== message.origin);
    if (!others.every((peer) => message.deliveredMs.has(peer))) continue;
    complete += 1;
    const last = Math.max(...others.map((peer) => message.deliveredMs.get(peer) as number));
    seconds.push((last - message.stampedMs) / 1000);
  }
  if (stamped === 0) {
    const error = "p2p dissemination: no message was stamped in the window";
    return { stamped, complete, seconds, error };
  }
  if (complete === 0) {
    const error = `p2p dissemination: none of the ${stamped} messages stamped in the window reached all ${peers.length - 1} other peers`;
    return { stamped, complete, seconds, error };
  }
  return { stamped, complete, seconds };
}
