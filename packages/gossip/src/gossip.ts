import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { assertNever, createTimeGuard, P2pError } from "@p2p/wire";
import { type GossipConfigInput, parseGossipConfig } from "./config.js";
import type { GossipErrorCode } from "./errors.js";
import { type ForwardingPolicy, floodPolicy, randomFanoutPolicy } from "./forwarding.js";
import type {
  Gossip,
  GossipDependencies,
  GossipOutput,
  GossipRejectReason,
} from "./gossip-types.js";
import { messageId } from "./message-id.js";
import { createMessageList } from "./message-list.js";
import type { GossipControlMessage, GossipMessage } from "./messages.js";
import { createPending, type PendingReason } from "./pending.js";
import { createPlumtree, type PlumtreeCounters } from "./plumtree.js";
import { gossipSigningBytes } from "./signing.js";

const REJECT_REASONS: readonly GossipRejectReason[] = [
  "not-neighbour",
  "own-origin",
  "payload-too-large",
  "id-mismatch",
  "origin-over-limit",
  "unknown-origin",
  "bad-signature",
];

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

const NO_PLUMTREE_COUNTERS: PlumtreeCounters = {
  ihaveSent: 0,
  ihaveIdsSent: 0,
  graftsSent: 0,
  prunesSent: 0,
  graftsServed: 0,
  controlReceived: 0,
  controlDropped: 0,
};

/** A message kept for catch-up. */
interface RecentMessage {
  /** As this peer sends it on (hops already counted). */
  readonly message: GossipMessage;
  /** Input time it was published or first received. */
  readonly atMs: number;
  /** Neighbours it came from or was sent to: they have it. */
  readonly crossed: Set<string>;
}

/**
 * Creates a gossip machine. Flooding (the default) sends each new message to every neighbour
 * except the one it came from, so each message crosses each link at most once.
 *
 * Security: what this peer publishes is signed with `dependencies.sign`; a received message is
 * accepted only from a current neighbour, and only after its id and its origin's signature
 * check out (`dependencies.verifyOrigin`) — before it is delivered, forwarded or marked seen, so
 * a forged copy arriving first cannot block the genuine one. No origin may hold more than
 * `messageList.maxPerOrigin` ids of the message list.
 */
export function createGossip(
  configInput: GossipConfigInput,
  dependencies: GossipDependencies,
): Gossip {
  const config = parseGossipConfig(configInput);
  const random = dependencies.random;
  const forwarding = config.forwarding;
  if (forwarding.type === "plumtree" && dependencies.policy !== undefined) {
    throw new P2pError<GossipErrorCode>(
      "CONFIG_INVALID",
      "gossip config: forwarding: plumtree cannot be combined with a custom forwarding policy",
    );
  }
  const policy: ForwardingPolicy =
    dependencies.policy ??
    (forwarding.type === "random-fanout" ? randomFanoutPolicy(forwarding.fanout) : floodPolicy);
  const selfIp = config.self.slice(0, config.self.lastIndexOf(":"));

  let currentNow = Number.NEGATIVE_INFINITY;
  let wallOffsetMs = 0;
  let neighbours: string[] = [];
  let neighbourSet = new Set<string>();
  let generatorMade = 0;
  let generatorNextAt: number | undefined;

  const messageList = createMessageList(config.messageList);
  const sign = dependencies.sign;
  const verifyOrigin = dependencies.verifyOrigin;
  const knowsOrigin = dependencies.knowsOrigin ?? (() => true);
  /** Messages that cannot be judged yet (sender not yet a neighbour, origin's key not yet known). */
  const pending = createPending(config.pending);

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
  /** Plumtree state (eager/lazy neighbours, missing ids, cache), or undefined in other modes. */
  const plumtree =
    forwarding.type === "plumtree"
      ? createPlumtree(forwarding, {
          countCopy: () => counters.sent++,
          maxAgeMs: config.messageList.ttlMs,
        })
      : undefined;
  /** Control messages received while not in the Plumtree mode. */
  let controlIgnored = 0;
  const rejections = Object.fromEntries(REJECT_REASONS.map((reason) => [reason, 0])) as Record<
    GossipRejectReason,
    number
  >;

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
      const ids: string[] = [];
      for (const entry of recent.values()) {
        if (entry.crossed.has(neighbour)) continue;
        entry.crossed.add(neighbour);
        outputs.push({ type: "send", to: neighbour, message: entry.message });
        ids.push(entry.message.id);
        counters.sent++;
        counters.caughtUp++;
      }
      if (ids.length > 0) plumtree?.caughtUp(currentNow, neighbour, ids);
    }
  }

  const guardTime = createTimeGuard("gossip");
  function advance(now: number): void {
    currentNow = guardTime(now);
    messageList.expire(currentNow);
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
    const signature = bytesToHex(sign(gossipSigningBytes(config.self, payload)));
    // Marked seen before sending, so an echo coming back is a duplicate. Own messages are not
    // held to maxPerOrigin here, but neighbours with the same config accept at most that many
    // of them per ttlMs.
    messageList.add(id, config.self, currentNow);
    counters.published++;
    outputs.push({ type: "emit", event: { type: "message-published", id, payload, generated } });
    const message: GossipMessage = {
      type: "gossip.message",
      id,
      origin: config.self,
      payload,
      hops: 0,
      signature,
    };
    remember(
      message,
      plumtree === undefined
        ? push(outputs, message, undefined)
        : plumtree.publish(outputs, currentNow, message),
    );
  }

  function reject(outputs: GossipOutput[], from: string, reason: GossipRejectReason): void {
    counters.rejected++;
    rejections[reason]++;
    outputs.push({ type: "emit", event: { type: "message-rejected", from, reason } });
  }

  /** True when the message carries a valid signature by its origin's registered key. */
  function isSignedByOrigin(message: GossipMessage): boolean {
    // The schema requires 128 lower-case hex digits; a host that skipped it gets a rejection,
    // not an exception from hexToBytes.
    if (!SIGNATURE_HEX.test(message.signature)) return false;
    return verifyOrigin(
      message.origin,
      gossipSigningBytes(message.origin, message.payload),
      hexToBytes(message.signature),
    );
  }

  /** Why `message` (not a duplicate) must be dropped, cheapest checks first; undefined: accept. */
  function rejectionOf(message: GossipMessage): GossipRejectReason | undefined {
    if (message.origin === config.self) return "own-origin";
    if (message.payload.length > config.maxPayloadBytes) return "payload-too-large";
    if (config.verifyIds && messageId(message.origin, message.payload) !== message.id)
      return "id-mismatch";
    if (messageList.countOf(message.origin) >= config.messageList.maxPerOrigin)
      return "origin-over-limit";
    if (!knowsOrigin(message.origin)) return "unknown-origin";
    if (!isSignedByOrigin(message)) return "bad-signature";
    return undefined;
  }

  /**
   * Holds a message that cannot be judged yet; rejects it when there is no room. `heldFor` is
   * the reason it waited before, when this is a retry.
   */
  function wait(
    outputs: GossipOutput[],
    from: string,
    message: GossipMessage,
    reason: PendingReason,
    until: number,
    heldFor: PendingReason | undefined,
  ): void {
    // Ask once, when a message of an origin is first judged: on arrival, or once its sender is
    // a neighbour. A retry after a fresh directory that still lacks the origin asks again no more
    // (else every fetch would start the next one).
    const isNewOrigin =
      reason === "unknown-origin" &&
      heldFor !== "unknown-origin" &&
      !pending.isWaitingFor(message.origin);
    if (!pending.hold({ from, message, reason, until })) {
      reject(outputs, from, reason);
      return;
    }
    if (isNewOrigin)
      outputs.push({ type: "emit", event: { type: "origin-unknown", origin: message.origin } });
  }

  /** Judges every waiting message again (it keeps its original deadline). */
  function retryPending(outputs: GossipOutput[]): void {
    for (const held of pending.takeAll())
      receive(outputs, held.from, held.message, { until: held.until, reason: held.reason });
  }

  function receive(
    outputs: GossipOutput[],
    from: string,
    message: GossipMessage,
    held?: { readonly until: number; readonly reason: PendingReason },
  ): void {
    if (held === undefined) counters.received++;
    const until = held?.until ?? currentNow + config.pending.ttlMs;
    if (!neighbourSet.has(from)) {
      wait(outputs, from, message, "not-neighbour", until, held?.reason);
      return;
    }
    if (messageList.has(message.id)) {
      counters.duplicates++;
      recent.get(message.id)?.crossed.add(from);
      plumtree?.duplicate(outputs, message.id, from);
      return;
    }
    const reason = rejectionOf(message);
    if (reason === "unknown-origin") {
      wait(outputs, from, message, reason, until, held?.reason);
      return;
    }
    if (reason !== undefined) {
      reject(outputs, from, reason);
      return;
    }
    // Marked seen only now, after every check passed: a forged copy never blocks the real one.
    messageList.add(message.id, message.origin, currentNow);
    counters.delivered++;
    const hops = message.hops + 1;
    const forwarded: GossipMessage = { ...message, hops };
    const isLast = hops >= config.maxHops;
    // Forwarded first, delivered after: the next hop's copies leave before this peer's own
    // handling of the message (its log lines, its application) can hold them up.
    const targets =
      plumtree === undefined
        ? isLast
          ? []
          : push(outputs, forwarded, from)
        : plumtree.delivered(outputs, currentNow, forwarded, from, isLast);
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
    if (isLast) return;
    counters.forwarded += targets.length;
    remember(forwarded, [from, ...targets]);
  }

  /** A Plumtree control message: acted on only in that mode and only from a neighbour. */
  function control(outputs: GossipOutput[], from: string, message: GossipControlMessage): void {
    if (plumtree === undefined) {
      controlIgnored++;
      return;
    }
    if (!neighbourSet.has(from)) {
      plumtree.dropped();
      return;
    }
    switch (message.type) {
      case "gossip.ihave":
        plumtree.ihave(currentNow, from, message.ids, (id) => messageList.has(id));
        return;
      case "gossip.graft":
        plumtree.graft(outputs, from, message.id);
        return;
      case "gossip.prune":
        plumtree.prune(from);
        return;
      default:
        assertNever(message, "gossip control message");
    }
  }

  function tick(outputs: GossipOutput[], wallTimeMs: number | undefined): void {
    if (wallTimeMs !== undefined) wallOffsetMs = wallTimeMs - currentNow;
    for (const held of pending.expire(currentNow)) reject(outputs, held.from, held.reason);
    plumtree?.tick(outputs, currentNow);
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
          neighbourSet = new Set(neighbours);
          plumtree?.setNeighbours(neighbours);
          catchUp(
            outputs,
            neighbours.filter((n) => !previous.has(n)),
          );
          retryPending(outputs);
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
          if (input.message.type === "gossip.message") receive(outputs, input.from, input.message);
          else control(outputs, input.from, input.message);
          break;
        case "origins-changed":
          retryPending(outputs);
          break;
        case "tick":
          tick(outputs, input.wallTimeMs);
          break;
        default:
          assertNever(input, "gossip input");
      }
      plumtree?.flush(outputs, currentNow);
      return outputs;
    },
    nextDeadline() {
      const deadlines = [pending.nextDeadline(), generatorNextAt, plumtree?.nextDeadline()];
      let next: number | undefined;
      for (const at of deadlines)
        if (at !== undefined && (next === undefined || at < next)) next = at;
      return next;
    },
    inspect() {
      return {
        self: config.self,
        neighbours: neighbours.slice(),
        policy: plumtree === undefined ? policy.name : "plumtree",
        messageListSize: messageList.size,
        messageListCap: config.messageList.maxEntries,
        messageListOrigins: messageList.origins,
        messageListMaxPerOrigin: config.messageList.maxPerOrigin,
        recentMessages: recent.size,
        pendingMessages: pending.size,
        counters: {
          ...counters,
          ...(plumtree?.counters ?? NO_PLUMTREE_COUNTERS),
          controlReceived: (plumtree?.counters.controlReceived ?? 0) + controlIgnored,
          controlDropped: (plumtree?.counters.controlDropped ?? 0) + controlIgnored,
        },
        plumtree: plumtree?.inspect(),
        rejections: { ...rejections },
        amplification: counters.delivered === 0 ? 0 : counters.received / counters.delivered,
        generator: { made: generatorMade, nextAtMs: generatorNextAt },
      };
    },
  };
}
