import { utf8ToBytes } from "@noble/hashes/utils.js";
import { assertNever, createTimeGuard, type Machine, P2pError, type RandomSource } from "@p2p/wire";
import { LRUCache } from "lru-cache";
import { type GossipConfig, type GossipConfigInput, parseGossipConfig } from "./config.js";
import type { GossipErrorCode } from "./errors.js";
import { type ForwardingPolicy, floodPolicy, randomFanoutPolicy } from "./forwarding.js";
import { messageId } from "./message-id.js";
import type { GossipMessage } from "./messages.js";

/** Inputs of the gossip machine. `now` is monotonic milliseconds and never goes backwards. */
export type GossipInput =
  /** The current set of connected neighbours (replaces the previous set). */
  | { type: "neighbours"; now: number; neighbours: readonly string[] }
  /** Publish a payload from this peer. */
  | { type: "publish"; now: number; payload: Uint8Array }
  /** A gossip message arrived from the neighbour with address `from`. */
  | { type: "receive"; now: number; from: string; message: GossipMessage }
  /** Time passed. `wallTimeMs` (optional) is the wall-clock time used in generated text. */
  | { type: "tick"; now: number; wallTimeMs?: number };

/** Events for the host. */
export type GossipEvent =
  /** A message seen for the first time: print it, append it to outputfile.txt. */
  | {
      type: "message-delivered";
      id: string;
      origin: string;
      /** The neighbour's peer address (never a TCP source port). */
      from: string;
      payload: Uint8Array;
      /** Links crossed from the origin to here (1 for a message straight from its origin). */
      hops: number;
    }
  /** This peer published a message (by the generator or by `publish`). */
  | { type: "message-published"; id: string; payload: Uint8Array; generated: boolean }
  /** A message that breaks a rule (bad id, payload too large): dropped. */
  | {
      type: "message-rejected";
      from: string;
      reason: "id-mismatch" | "payload-too-large" | "own-origin";
    };

/** Outputs, to apply in order. */
export type GossipOutput =
  | { type: "send"; to: string; message: GossipMessage }
  | { type: "emit"; event: GossipEvent };

/** Counters since creation. Amplification = received / delivered. */
export interface GossipCounters {
  /** Gossip messages received from neighbours (first copies and duplicates). */
  readonly received: number;
  /** Messages delivered (first receipt). */
  readonly delivered: number;
  /** Copies dropped because the id was already in the message list. */
  readonly duplicates: number;
  /** Copies sent while relaying others' messages. */
  readonly forwarded: number;
  /** Messages this peer published. */
  readonly published: number;
  /** Every copy sent (own and relayed). */
  readonly sent: number;
  /** Messages dropped for breaking a rule. */
  readonly rejected: number;
  /** Copies sent to newly added neighbours by catch-up (included in `sent`). */
  readonly caughtUp: number;
}

/** A read-only view of the machine. */
export interface GossipView {
  readonly self: string;
  readonly neighbours: readonly string[];
  readonly policy: string;
  /** Ids currently in the message list (may include expired ones not yet evicted). */
  readonly messageListSize: number;
  readonly messageListCap: number;
  /** Messages held for catch-up (0 when catch-up is off). */
  readonly recentMessages: number;
  readonly counters: GossipCounters;
  /** received / delivered (0 before the first delivery). */
  readonly amplification: number;
  /** Generator progress: messages made so far, and when the next is due (undefined: not running). */
  readonly generator: { readonly made: number; readonly nextAtMs: number | undefined };
}

/** The gossip state machine. */
export interface Gossip extends Machine<GossipInput, GossipOutput, GossipView> {
  readonly config: GossipConfig;
  /** The one mutating entry point. Throws only on caller mistakes (time going back, oversized publish). */
  step(input: GossipInput): readonly GossipOutput[];
  /** When the host should next send a tick, or undefined when nothing is scheduled. */
  nextDeadline(): number | undefined;
  inspect(): GossipView;
}

/** A message kept for catch-up. */
interface RecentMessage {
  /** As this peer sends it on (hops already counted). */
  readonly message: GossipMessage;
  /** Input time it was published or first received. */
  readonly atMs: number;
  /** Neighbours it came from or was sent to: they have it. */
  readonly crossed: Set<string>;
}

/** Dependencies of {@link createGossip}. */
export interface GossipDependencies {
  /** The only source of randomness (random-fanout uses it). */
  readonly random: RandomSource;
  /** A custom forwarding policy; overrides `config.forwarding`. */
  readonly policy?: ForwardingPolicy;
}

/**
 * Creates a gossip machine. Flooding (the default) sends each new message to every neighbour
 * except the one it came from, so each message crosses each link at most once.
 */
export function createGossip(
  configInput: GossipConfigInput,
  dependencies: GossipDependencies,
): Gossip {
  const config = parseGossipConfig(configInput);
  const random = dependencies.random;
  const policy: ForwardingPolicy =
    dependencies.policy ??
    (config.forwarding.type === "flood"
      ? floodPolicy
      : randomFanoutPolicy(config.forwarding.fanout));
  const selfIp = config.self.slice(0, config.self.lastIndexOf(":"));

  let currentNow = Number.NEGATIVE_INFINITY;
  let wallOffsetMs = 0;
  let neighbours: string[] = [];
  let generatorMade = 0;
  let generatorNextAt: number | undefined;

  const messageList = new LRUCache<string, true>({
    max: config.messageList.maxEntries,
    ttl: config.messageList.ttlMs,
    // Time comes from the inputs, never from a real clock; 0 disables lru-cache's own timer.
    ttlResolution: 0,
    perf: { now: () => currentNow },
  });

  const counters = {
    received: 0,
    delivered: 0,
    duplicates: 0,
    forwarded: 0,
    published: 0,
    sent: 0,
    rejected: 0,
    caughtUp: 0,
  };

  /**
   * Catch-up buffer, oldest first: each recent message as this peer would send it on, when it
   * arrived (input time), and the neighbours it crossed to or from (known to have it).
   */
  const recent = new Map<string, RecentMessage>();

  function pruneRecent(): void {
    const catchUp = config.catchUp;
    if (catchUp === false) return;
    // Never older than the message list's TTL: a caught-up copy of an id the receiver has
    // already forgotten would be delivered twice.
    const maxAgeMs = Math.min(catchUp.maxAgeMs, config.messageList.ttlMs);
    for (const [id, entry] of recent) {
      if (recent.size <= catchUp.maxMessages && entry.atMs + maxAgeMs > currentNow) break;
      recent.delete(id);
    }
  }

  function remember(message: GossipMessage, crossed: Iterable<string>): void {
    if (config.catchUp === false) return;
    recent.set(message.id, { message, atMs: currentNow, crossed: new Set(crossed) });
    pruneRecent();
  }

  /** Sends a newly added neighbour every recent message it is not known to have, oldest first. */
  function catchUp(outputs: GossipOutput[], added: readonly string[]): void {
    for (const neighbour of added) {
      for (const entry of recent.values()) {
        if (entry.crossed.has(neighbour)) continue;
        entry.crossed.add(neighbour);
        outputs.push({ type: "send", to: neighbour, message: entry.message });
        counters.sent++;
        counters.caughtUp++;
      }
    }
  }

  const guardTime = createTimeGuard("gossip");
  function advance(now: number): void {
    currentNow = guardTime(now);
  }

  /** Sends `message` to the neighbours the policy picks; returns them. */
  function push(
    outputs: GossipOutput[],
    message: GossipMessage,
    from: string | undefined,
  ): readonly string[] {
    const candidates = from === undefined ? neighbours : neighbours.filter((n) => n !== from);
    if (candidates.length === 0) return candidates;
    const targets = policy.select({ candidates, from, message, random });
    for (const to of targets) outputs.push({ type: "send", to, message });
    counters.sent += targets.length;
    return targets;
  }

  function publish(outputs: GossipOutput[], payload: Uint8Array, generated: boolean): void {
    if (payload.length > config.maxPayloadBytes) {
      throw new P2pError<GossipErrorCode>(
        "PAYLOAD_TOO_LARGE",
        `gossip: payload of ${payload.length} bytes exceeds maxPayloadBytes ${config.maxPayloadBytes}`,
      );
    }
    const id = messageId(config.self, payload);
    // Marked seen before sending, so an echo coming back is a duplicate.
    messageList.set(id, true);
    counters.published++;
    outputs.push({ type: "emit", event: { type: "message-published", id, payload, generated } });
    const message: GossipMessage = {
      type: "gossip.message",
      id,
      origin: config.self,
      payload,
      hops: 0,
    };
    remember(message, push(outputs, message, undefined));
  }

  function receive(outputs: GossipOutput[], from: string, message: GossipMessage): void {
    counters.received++;
    if (messageList.has(message.id)) {
      counters.duplicates++;
      recent.get(message.id)?.crossed.add(from);
      return;
    }
    const reason =
      message.origin === config.self
        ? "own-origin"
        : message.payload.length > config.maxPayloadBytes
          ? "payload-too-large"
          : config.verifyIds && messageId(message.origin, message.payload) !== message.id
            ? "id-mismatch"
            : undefined;
    if (reason !== undefined) {
      counters.rejected++;
      outputs.push({ type: "emit", event: { type: "message-rejected", from, reason } });
      return;
    }
    messageList.set(message.id, true);
    counters.delivered++;
    const hops = message.hops + 1;
    outputs.push({
      type: "emit",
      event: {
        type: "message-delivered",
        id: message.id,
        origin: message.origin,
        from,
        payload: message.payload,
        hops,
      },
    });
    if (hops >= config.maxHops) return;
    const forwarded: GossipMessage = { ...message, hops };
    const targets = push(outputs, forwarded, from);
    counters.forwarded += targets.length;
    remember(forwarded, [from, ...targets]);
  }

  function tick(outputs: GossipOutput[], wallTimeMs: number | undefined): void {
    if (wallTimeMs !== undefined) wallOffsetMs = wallTimeMs - currentNow;
    const generator = config.generator;
    if (generator === false) return;
    while (generatorNextAt !== undefined && generatorNextAt <= currentNow) {
      generatorMade++;
      const timestamp = Math.round(currentNow + wallOffsetMs);
      publish(outputs, utf8ToBytes(`${timestamp}:${selfIp}:${generatorMade}`), true);
      generatorNextAt =
        generatorMade >= generator.count ? undefined : generatorNextAt + generator.intervalMs;
    }
  }

  return {
    config,
    step(input) {
      advance(input.now);
      pruneRecent();
      const outputs: GossipOutput[] = [];
      switch (input.type) {
        case "neighbours": {
          const previous = new Set(neighbours);
          neighbours = [...new Set(input.neighbours)].filter((n) => n !== config.self).sort();
          catchUp(
            outputs,
            neighbours.filter((n) => !previous.has(n)),
          );
          const generator = config.generator;
          if (
            generator !== false &&
            generatorMade === 0 &&
            generatorNextAt === undefined &&
            generator.count > 0
          ) {
            if (neighbours.length > 0) generatorNextAt = currentNow;
          }
          break;
        }
        case "publish":
          publish(outputs, input.payload, false);
          break;
        case "receive":
          receive(outputs, input.from, input.message);
          break;
        case "tick":
          tick(outputs, input.wallTimeMs);
          break;
        default:
          assertNever(input, "gossip input");
      }
      return outputs;
    },
    nextDeadline: () => generatorNextAt,
    inspect() {
      return {
        self: config.self,
        neighbours: neighbours.slice(),
        policy: policy.name,
        messageListSize: messageList.size,
        messageListCap: config.messageList.maxEntries,
        recentMessages: recent.size,
        counters: { ...counters },
        amplification: counters.delivered === 0 ? 0 : counters.received / counters.delivered,
        generator: { made: generatorMade, nextAtMs: generatorNextAt },
      };
    },
  };
}
