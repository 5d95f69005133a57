import {
  createGossip,
  type Gossip,
  type GossipDependencies,
  type GossipEvent,
  type GossipRejectReason,
} from "@p2p/gossip";
import { assertNever, type Logger } from "@p2p/wire";
import type { PeerNodeEvent, PeerNodeOptions } from "./peer-types.js";

const decoder = new TextDecoder();
/** Gossip rejections that are load, not a neighbour's misbehaviour: logged at debug level. */
const LOAD_REJECTIONS: ReadonlySet<GossipRejectReason> = new Set([
  "not-neighbour",
  "origin-over-limit",
  "unknown-origin",
]);

/** The peer's gossip machine: the seed document's generator, the chosen forwarding mode. */
export function createPeerGossip(
  options: PeerNodeOptions,
  dependencies: GossipDependencies,
): Gossip {
  const { address, timing, gossipForwarding } = options;
  return createGossip(
    {
      self: address,
      generator: { intervalMs: timing.gossipIntervalMs, count: timing.gossipMessageCount },
      ...(gossipForwarding === undefined ? {} : { forwarding: gossipForwarding }),
    },
    dependencies,
  );
}

/** What the gossip events of a peer lead to. */
export interface GossipEventTargets {
  readonly emit: (event: PeerNodeEvent) => void;
  readonly logger: Logger;
  /** An origin's key is unknown: ask the seeds for that origin's record. */
  readonly fetchRecord: (origin: string) => void;
}

/** Turns gossip events into peer events, log lines and directory fetches. */
export function gossipEventHandler(targets: GossipEventTargets): (event: GossipEvent) => void {
  const { emit, logger } = targets;
  return (event) => {
    switch (event.type) {
      case "message-delivered":
        emit({
          type: "message-delivered",
          id: event.id,
          origin: event.origin,
          from: event.from,
          text: decoder.decode(event.payload),
          hops: event.hops,
        });
        return;
      case "message-published":
        emit({ type: "message-published", id: event.id, text: decoder.decode(event.payload) });
        return;
      case "message-rejected":
        // A neighbour that forwards a forged or malformed message misbehaves; the rest is load.
        if (LOAD_REJECTIONS.has(event.reason)) logger.debug("gossip message dropped", { ...event });
        else logger.warn("gossip message rejected", { from: event.from, reason: event.reason });
        return;
      case "origin-unknown":
        targets.fetchRecord(event.origin);
        return;
      default:
        assertNever(event, "gossip event");
    }
  };
}
