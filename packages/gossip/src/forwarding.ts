import { type RandomSource, shuffled } from "@p2p/wire";
import type { GossipMessage } from "./messages.js";

/** What a forwarding policy sees when it chooses where a message goes next. */
export interface ForwardingContext {
  /** The candidate neighbours, sorted, already without the neighbour the message came from. */
  readonly candidates: readonly string[];
  /** The neighbour the message came from, or undefined for a message this peer publishes. */
  readonly from: string | undefined;
  /** The message (with `hops` as it will be sent). */
  readonly message: GossipMessage;
  /** The machine's injected random source: the only randomness a policy may use. */
  readonly random: RandomSource;
}

/**
 * Chooses the neighbours a message is pushed to, on publish and on first receipt.
 * Must return a subset of `candidates`; the machine sends in the returned order.
 */
export interface ForwardingPolicy {
  readonly name: string;
  select(context: ForwardingContext): readonly string[];
}

/** Flooding, the seed document's rule: every neighbour except the one the message came from. */
export const floodPolicy: ForwardingPolicy = {
  name: "flood",
  select: (context) => context.candidates,
};

/**
 * Random-fanout push: `fanout` neighbours chosen uniformly at random (all of them when there
 * are fewer). Cheaper than flooding, but delivery to every peer is only probable, not certain.
 */
export function randomFanoutPolicy(fanout: number): ForwardingPolicy {
  if (!Number.isInteger(fanout) || fanout < 1) {
    throw new RangeError(`randomFanoutPolicy: fanout must be an integer ≥ 1, got ${fanout}`);
  }
  return {
    name: "random-fanout",
    select(context) {
      if (context.candidates.length <= fanout) return context.candidates;
      return shuffled(context.random, context.candidates).slice(0, fanout).sort();
    },
  };
}
