import type { GossipMessage } from "./messages.js";

/**
 * Why a received message waits instead of being judged: its sender is not a neighbour yet (a
 * neighbour request is still being checked on the other side), or its origin's key is not
 * known yet (the origin registered after this peer's last directory snapshot).
 */
export type PendingReason = "not-neighbour" | "unknown-origin";

/** Limits of the waiting room (`config.pending`). */
export interface PendingLimits {
  /** Most messages held at once. */
  readonly maxMessages: number;
  /** Most messages held from one sender. */
  readonly maxPerSender: number;
  /** A held message not judged within this long is rejected with its reason. */
  readonly ttlMs: number;
}

/** A held message. */
export interface HeldMessage {
  readonly from: string;
  readonly message: GossipMessage;
  readonly reason: PendingReason;
  /** Input time it is rejected if still held. */
  readonly until: number;
}

/** A bounded waiting room for messages that cannot be judged yet, in arrival order. */
export function createPending(limits: PendingLimits) {
  let held: HeldMessage[] = [];
  const perSender = new Map<string, number>();
  const count = (from: string, delta: number): void => {
    const next = (perSender.get(from) ?? 0) + delta;
    if (next <= 0) perSender.delete(from);
    else perSender.set(from, next);
  };
  return {
    /** Holds `entry`; false when there is no room (the caller rejects it at once). */
    hold(entry: HeldMessage): boolean {
      if (held.length >= limits.maxMessages) return false;
      if ((perSender.get(entry.from) ?? 0) >= limits.maxPerSender) return false;
      held.push(entry);
      count(entry.from, 1);
      return true;
    },
    /** Removes and returns every held message, oldest first, to be judged again. */
    takeAll(): HeldMessage[] {
      const all = held;
      held = [];
      perSender.clear();
      return all;
    },
    /** Removes and returns the held messages whose time is up at `now`. */
    expire(now: number): HeldMessage[] {
      const expired = held.filter((entry) => entry.until <= now);
      if (expired.length === 0) return expired;
      held = held.filter((entry) => entry.until > now);
      for (const entry of expired) count(entry.from, -1);
      return expired;
    },
    /** True when a message of `origin` already waits for its key. */
    isWaitingFor(origin: string): boolean {
      return held.some(
        (entry) => entry.reason === "unknown-origin" && entry.message.origin === origin,
      );
    },
    /** The earliest time a held message expires, or undefined. */
    nextDeadline(): number | undefined {
      let next: number | undefined;
      for (const entry of held) if (next === undefined || entry.until < next) next = entry.until;
      return next;
    },
    get size(): number {
      return held.length;
    },
  };
}
