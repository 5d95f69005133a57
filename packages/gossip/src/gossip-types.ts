import type { Machine, RandomSource } from "@p2p/wire";
import type { GossipConfig } from "./config.js";
import type { ForwardingPolicy } from "./forwarding.js";
import type { GossipWireMessage } from "./messages.js";
import type { PlumtreeCounters, PlumtreeView } from "./plumtree.js";

/** Inputs of the gossip machine. `now` is monotonic milliseconds and never goes backwards. */
export type GossipInput =
  /** The current set of connected neighbours (replaces the previous set). */
  | { type: "neighbours"; now: number; neighbours: readonly string[] }
  /** Publish a payload from this peer. */
  | { type: "publish"; now: number; payload: Uint8Array }
  /**
   * A gossip message arrived over the authenticated link from the peer with address `from`
   * (accepted only while `from` is in the current neighbour set). Plumtree control messages
   * (`gossip.ihave`, `gossip.graft`, `gossip.prune`) are acted on only in that mode.
   */
  | { type: "receive"; now: number; from: string; message: GossipWireMessage }
  /** The host learned new origins' keys (a fresh directory): messages waiting for one are judged. */
  | { type: "origins-changed"; now: number }
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
  /**
   * A message waits for the key of `origin` (unknown to `knowsOrigin`): fetch a fresh directory,
   * then step `origins-changed`. Emitted once per origin while its messages wait.
   */
  | { type: "origin-unknown"; origin: string }
  /** A message that breaks a rule (see {@link GossipRejectReason}): dropped, not forwarded, not marked seen. */
  | {
      type: "message-rejected";
      from: string;
      reason: GossipRejectReason;
    };

/**
 * Why a received message was dropped, in the order the checks run:
 * - `not-neighbour`: `from` is not in the current neighbour set (checked first, before the
 *   message list, so a non-neighbour cannot even refresh catch-up bookkeeping). Such a message
 *   first waits (`config.pending`, bounded per sender) in case `from` becomes a neighbour —
 *   the other side of a neighbour request sends before this side has checked it — and is
 *   rejected when its time is up or there is no room;
 * - `own-origin`: it claims this peer as its origin but this peer has no such id;
 * - `payload-too-large`: over `maxPayloadBytes`;
 * - `id-mismatch`: the id is not the hash of origin and payload (`verifyIds`);
 * - `origin-over-limit`: the origin already has `messageList.maxPerOrigin` ids in the message
 *   list (checked before the signature: it costs no verification);
 * - `unknown-origin`: `knowsOrigin` does not know the origin's key; the message waits like a
 *   non-neighbour's (the host fetches a fresh directory) and is rejected if it stays unknown;
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
  | "unknown-origin"
  | "bad-signature";

/** Outputs, to apply in order. */
export type GossipOutput =
  | { type: "send"; to: string; message: GossipWireMessage }
  | { type: "emit"; event: GossipEvent };

/** Counters since creation. Amplification = received / delivered. */
export interface GossipCounters extends PlumtreeCounters {
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
  /** Every full copy sent (own, relayed, caught up and, with Plumtree, answering grafts). */
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
  /** Received messages waiting to be judged (sender not yet a neighbour, origin's key unknown). */
  readonly pendingMessages: number;
  readonly counters: GossipCounters;
  /** Rejected messages by reason (they add up to `counters.rejected`). */
  readonly rejections: Readonly<Record<GossipRejectReason, number>>;
  /** received / delivered (0 before the first delivery). */
  readonly amplification: number;
  /** The Plumtree state (`forwarding: { type: "plumtree" }`), else undefined. */
  readonly plumtree: PlumtreeView | undefined;
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
  /**
   * True when the host knows `origin`'s key. A message of an unknown origin waits (see
   * `unknown-origin`) instead of failing `verifyOrigin`. Default: every origin is known.
   */
  readonly knowsOrigin?: (origin: string) => boolean;
  /** A custom forwarding policy; overrides `config.forwarding`. */
  readonly policy?: ForwardingPolicy;
}
