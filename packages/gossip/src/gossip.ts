import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { assertNever, createTimeGuard, type Machine, P2pError, type RandomSource } from "@p2p/wire";
import { type GossipConfig, type GossipConfigInput, parseGossipConfig } from "./config.js";
import type { GossipErrorCode } from "./errors.js";
import { type ForwardingPolicy, floodPolicy, randomFanoutPolicy } from "./forwarding.js";
import { messageId } from "./message-id.js";
import { createMessageList } from "./message-list.js";
import type { GossipMessage } from "./messages.js";
import { gossipSigningBytes } from "./signing.js";

/** Inputs of the gossip machine. `now` is monotonic milliseconds and never goes backwards. */
export type GossipInput =
  /** The current set of connected neighbours (replaces the previous set). */
  | { type: "neighbours"; now: number; neighbours: readonly string[] }
  /** Publish a payload from this peer. */
  | { type: "publish"; now: number; payload: Uint8Array }
  /**
   * A gossip message arrived over the authenticated link from the peer with address `from`
   * (accepted only while `from` is in the current neighbour set).
   */
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
  /** A message that breaks a rule (see {@link GossipRejectReason}): dropped, not forwarded, not marked seen. */
  | {
      type: "message-rejected";
      from: string;
      reason: GossipRejectReason;
    };

/**
 * Why a received message was dropped, in the order the checks run:
 * - `not-neighbour`: `from` is not in the current neighbour set (checked first, before the
 *   message list, so a non-neighbour cannot even refresh catch-up bookkeeping);
 * - `own-origin`: it claims this peer as its origin but this peer has no such id;
 * - `payload-too-large`: over `maxPayloadBytes`;
 * - `id-mismatch`: the id is not the hash of origin and payload (`verifyIds`);
 * - `origin-over-limit`: the origin already has `messageList.maxPerOrigin` ids in the message
 *   list (checked before the signature: it costs no verification);
 * - `bad-signature`: `verifyOrigin` refused the origin's signature, or the origin is unknown.
 *
 * Ids already in the message list are duplicates, not rejections: they are counted and dropped
 * before any of the checks after `not-neighbour`, and cost no signature verification.
 */
export type GossipRejectReason =
  | "not-neighbour"
  | "own-origin"
  | "payload-too-large"
  | "id-mismatch"
  | "origin-over-limit"
  | "bad-signature";

const REJECT_REASONS: readonly GossipRejectReason[] = [
  "not-neighbour",
  "own-origin",
  "payload-too-large",
  "id-mismatch",
  "origin-over-limit",
  "bad-signature",
];

const SIGNATURE_HEX = /^[0-9a-f]{128}$/;

/** Outputs, to apply in order. */
export type GossipOutput =
  | { type: "send"; to: string; message: GossipMessage }
  | { type: "emit"; event: GossipEvent };

/** Counters since creation. Amplification = received / delivered. */
export interface GossipCounters {
  /** Gossip messages received (first copies, duplicates and rejected ones). */
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
  /** Messages dropped for breaking a rule (by reason in {@link GossipView.rejections}). */
  readonly rejected: number;
  /** Copies sent to newly added neighbours by catch-up (included in `sent`). */
  readonly caughtUp: number;
}

/** A read-only view of the machine. */
export interface GossipView {
  readonly self: string;
  readonly neighbours: readonly string[];
  readonly policy: string;
  /** Ids currently in the message list (unexpired). */
  readonly messageListSize: number;
  readonly messageListCap: number;
  /** Distinct origins with ids in the message list. */
  readonly messageListOrigins: number;
  /** Most ids one origin may have in the message list (`messageList.maxPerOrigin`). */
  readonly messageListMaxPerOrigin: number;
  /** Messages held for catch-up (0 when catch-up is off). */
  readonly recentMessages: number;
  readonly counters: GossipCounters;
  /** Rejected messages by reason (they add up to `counters.rejected`). */
  readonly rejections: Readonly<Record<GossipRejectReason, number>>;
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
  /**
   * Signs bytes with this peer's Ed25519 identity key (the key registered for `config.self`)
   * and returns the 64-byte signature. Used on publish, over `gossipSigningBytes(self, payload)`.
   * The key itself never enters the machine.
   */
  readonly sign: (bytes: Uint8Array) => Uint8Array;
  /**
   * True when `signature` is a valid Ed25519 signature of `bytes` by the key registered for
   * `origin`; false for an origin with no registered key, and for any malformed input (it must
   * not throw). The host resolves the key (its member directory); called once per new message
   * id that passed the cheaper checks, never for duplicates.
   */
  readonly verifyOrigin: (origin: string, bytes: Uint8Array, signature: Uint8Array) => boolean;
  /** A custom forwarding policy; overrides `config.forwarding`. */
  readonly policy?: ForwardingPolicy;
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
  const policy: ForwardingPolicy =
    dependencies.policy ??
    (config.forwarding.type === "flood"
      ? floodPolicy
      : randomFanoutPolicy(config.forwarding.fanout));
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
    remember(message, push(outputs, message, undefined));
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
    if (!isSignedByOrigin(message)) return "bad-signature";
    return undefined;
  }

  function receive(outputs: GossipOutput[], from: string, message: GossipMessage): void {
    counters.received++;
    if (!neighbourSet.has(from)) {
      reject(outputs, from, "not-neighbour");
      return;
    }
    if (messageList.has(message.id)) {
      counters.duplicates++;
      recent.get(message.id)?.crossed.add(from);
      return;
    }
    const reason = rejectionOf(message);
    if (reason !== undefined) {
      reject(outputs, from, reason);
      return;
    }
    // Marked seen only now, after every check passed: a forged copy never blocks the real one.
    messageList.add(message.id, message.origin, currentNow);
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
          neighbourSet = new Set(neighbours);
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
        messageListOrigins: messageList.origins,
        messageListMaxPerOrigin: config.messageList.maxPerOrigin,
        recentMessages: recent.size,
        counters: { ...counters },
        rejections: { ...rejections },
        amplification: counters.delivered === 0 ? 0 : counters.received / counters.delivered,
        generator: { made: generatorMade, nextAtMs: generatorNextAt },
      };
    },
  };
}
