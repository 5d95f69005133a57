import {
  AddressSchema,
  assertNever,
  BoundedMap,
  createTimeGuard,
  type Machine,
  parseConfig,
  type RandomSource,
} from "@p2p/wire";
import { z } from "zod";
import { DEFAULT_EXPONENT, shiftForExponent } from "./grow.js";
import { hostOf } from "./host.js";
import { liveOverlay, type OverlayMember } from "./live-overlay.js";
import type { OverlayMessage } from "./messages.js";
import { attachedOrAll, chooseNeighbours, type NeighbourCandidate } from "./selection.js";

/** What the overlay needs to know of a member of the directory. */
export interface DirectoryMember extends OverlayMember {
  /** Only `alive` members are candidates and count towards degrees. */
  readonly status: string;
}

/**
 * Configuration of {@link createOverlay}. The acceptance fields (`maxDegree` through
 * `maxHeldRequests`) are the rule of who may become this peer's neighbour; the README's "Who
 * may become my neighbour" gives the reasoning.
 */
export const OverlayConfigSchema = z
  .object({
    /** This peer's address. */
    self: AddressSchema,
    /** Neighbours a peer picks by preferential attachment, and tops up to when it loses one. */
    targetDegree: z.number().int().positive().default(2),
    /**
     * The degree exponent α the overlay aims at: a candidate weighs max(degree, targetDegree) +
     * targetDegree × (α − 3) (shifted preferential attachment; the README has the theory).
     */
    exponent: z.number().gt(2).lte(100).default(DEFAULT_EXPONENT),
    /** Neighbour requests beyond this many neighbours are refused (`cap`). */
    maxDegree: z.number().int().positive().default(64),
    /**
     * Most neighbours (chosen by us or choosing us) on one host: one IPv4 address, one IPv6 /64.
     * Requests beyond it are refused (`host-cap`) and our own picks skip such candidates.
     * Loopback hosts are exempt.
     */
    maxNeighboursPerHost: z.number().int().positive().default(2),
    /**
     * Most neighbour requests accepted within any `acceptWindowMs`; more are refused (`rate`).
     * Defaults to `maxDegree`: a peer's accepted requests never outnumber its neighbours while
     * the overlay grows, so this default refuses no one the degree cap would take, however fast
     * peers join; it bounds turnover (each change is a directory write through the seeds).
     */
    maxAcceptsPerWindow: z.number().int().positive().optional(),
    /** The sliding window of `maxAcceptsPerWindow` (input time). */
    acceptWindowMs: z.number().positive().default(10_000),
    /**
     * Most requests held for the next directory snapshot (those before the first one, and those
     * from addresses not alive in the latest one); more are refused (`held-full`).
     */
    maxHeldRequests: z.number().int().positive().default(64),
    /** Left below `targetDegree` after a selection, ask for a fresh snapshot this much later. */
    topUpRetryMs: z.number().int().positive().default(5_000),
    /** A peer that refused our request is not asked again for this long (input time). */
    refusalMemoryMs: z.number().nonnegative().default(60_000),
    /** Most refusals remembered. */
    maxRememberedRefusals: z.number().int().positive().default(1_024),
  })
  .refine((config) => config.maxDegree >= config.targetDegree, {
    path: ["maxDegree"],
    message: "must be at least targetDegree",
  })
  .transform((config) => ({
    ...config,
    maxAcceptsPerWindow: config.maxAcceptsPerWindow ?? config.maxDegree,
  }));

/** Input form of {@link OverlayConfigSchema} (defaults optional). */
export type OverlayConfigInput = z.input<typeof OverlayConfigSchema>;
/** The validated, frozen configuration. */
export type OverlayConfig = Readonly<z.output<typeof OverlayConfigSchema>>;

/** Inputs of the overlay. `now` is monotonic milliseconds and never goes backwards. */
export type OverlayInput =
  /**
   * A snapshot of the directory. The first one starts the overlay (requests received before
   * are taken then); each one tops up to the target degree by preferential attachment.
   */
  | { readonly type: "members"; readonly now: number; readonly members: readonly DirectoryMember[] }
  /** A peer asked to be our neighbour, or refused our request. */
  | {
      readonly type: "receive";
      readonly now: number;
      readonly from: string;
      readonly message: OverlayMessage;
    }
  /** A `connect` output succeeded (`connected`) or failed (`unreachable`). */
  | { readonly type: "connected"; readonly now: number; readonly address: string }
  | { readonly type: "unreachable"; readonly now: number; readonly address: string }
  /** A neighbour is gone (reported dead, removed by the seeds). */
  | { readonly type: "neighbour-lost"; readonly now: number; readonly address: string }
  | { readonly type: "tick"; readonly now: number };

/**
 * Why a neighbour request was refused:
 * - `not-member`: the requester is not `alive` in the directory snapshot taken after its request;
 * - `cap`: this peer already has `maxDegree` neighbours;
 * - `host-cap`: this peer already has `maxNeighboursPerHost` neighbours on the requester's host;
 * - `rate`: this peer accepted `maxAcceptsPerWindow` requests within the last `acceptWindowMs`;
 * - `held-full`: `maxHeldRequests` requests already wait for the next snapshot.
 */
export type NeighbourRefusalReason = "not-member" | "cap" | "host-cap" | "rate" | "held-full";

/** Events for the host. */
export type OverlayEvent =
  | { readonly type: "neighbours-changed"; readonly neighbours: readonly string[] }
  /**
   * Fetch a fresh directory snapshot: a neighbour was lost below the target degree, or a
   * request waits from an address the latest snapshot does not show alive.
   */
  | { readonly type: "members-wanted" }
  /** A selection round ended (target reached, or no candidate left). */
  | { readonly type: "selection-finished"; readonly neighbours: readonly string[] }
  | {
      readonly type: "neighbour-refused";
      readonly address: string;
      readonly reason: NeighbourRefusalReason;
    }
  | { readonly type: "candidate-unreachable"; readonly address: string };

/** Outputs, to apply in order. */
export type OverlayOutput =
  /** Open a link to `address`, then step `connected` or `unreachable`. */
  | { readonly type: "connect"; readonly address: string }
  | { readonly type: "send"; readonly to: string; readonly message: OverlayMessage }
  /** Close the links to a former neighbour. */
  | { readonly type: "disconnect"; readonly address: string }
  | { readonly type: "emit"; readonly event: OverlayEvent };

/** A read-only view of the overlay. */
export interface OverlayView {
  readonly self: string;
  readonly isStarted: boolean;
  readonly neighbours: readonly string[];
  /** Candidates being connected. */
  readonly pending: readonly string[];
  /**
   * Requests held until the next directory snapshot judges them: those received before the
   * first snapshot, and those from addresses the latest snapshot does not show alive.
   */
  readonly held: readonly string[];
  /** Requests accepted within the last `acceptWindowMs` (as of the latest input). */
  readonly acceptedInWindow: number;
}

/** A peer's overlay upkeep, as a sans-IO machine. */
export interface Overlay extends Machine<OverlayInput, OverlayOutput, OverlayView> {
  readonly config: OverlayConfig;
}

/**
 * Each live member's degree in the undirected overlay the members describe (the degrees of
 * {@link liveOverlay}'s graph), in address order. Linear in the links: a peer computes it on
 * every directory snapshot, so it builds no graph and sorts no links.
 */
export function degreesOf(members: readonly DirectoryMember[]): Map<string, number> {
  const linked = new Map<string, Set<string>>();
  for (const member of members) {
    if (member.status === "alive" && !linked.has(member.address))
      linked.set(member.address, new Set());
  }
  for (const member of members) {
    const own = member.status === "alive" ? linked.get(member.address) : undefined;
    if (own === undefined) continue;
    for (const neighbour of member.neighbours) {
      const theirs = neighbour === member.address ? undefined : linked.get(neighbour);
      if (theirs === undefined) continue;
      own.add(neighbour);
      theirs.add(member.address);
    }
  }
  const names = [...linked.keys()].sort();
  return new Map(names.map((name) => [name, linked.get(name)?.size ?? 0]));
}

/**
 * Creates a peer's overlay: on each directory snapshot it picks neighbours by preferential
 * attachment until it has `targetDegree`, replacing candidates that cannot be reached and
 * skipping those whose host already has `maxNeighboursPerHost` of our neighbours; it accepts a
 * neighbour request only from a member the directory shows alive, up to `maxDegree`, up to
 * `maxNeighboursPerHost` per host and `maxAcceptsPerWindow` per `acceptWindowMs`, holding a
 * request from an address it does not know yet until the next snapshot; and when it loses a
 * neighbour below the target it asks for a fresh snapshot to top up, so peers that lost a
 * shared hub do not stay an island.
 */
export function createOverlay(
  configInput: OverlayConfigInput,
  dependencies: { random: RandomSource },
): Overlay {
  const settings = parseConfig(OverlayConfigSchema, configInput, "overlay config");
  const { random } = dependencies;
  const attachmentShift = shiftForExponent(settings.exponent, settings.targetDegree);
  /** Peers that refused us, with when they may be asked again. */
  const refusedUntil = new BoundedMap<string, number>(settings.maxRememberedRefusals);
  let now = 0;
  const guardTime = createTimeGuard("overlay");
  const neighbours = new Set<string>();
  /** Requests waiting for the next snapshot (bounded by `maxHeldRequests`). */
  const held = new Set<string>();
  const pending = new Set<string>();
  /** Addresses `alive` in the latest snapshot (self excluded). */
  let alive = new Set<string>();
  /** When each request accepted within the window was accepted, oldest first. */
  const acceptedAt: number[] = [];
  let candidates: NeighbourCandidate[] = [];
  let isStarted = false;
  let isSelecting = false;
  /** `members-wanted` was emitted and no snapshot has arrived since. */
  let isMembersAsked = false;
  let announced = "";
  /** When to ask for a snapshot again, a selection having left us below the target. */
  let retryAt: number | undefined;
  let outputs: OverlayOutput[] = [];

  const emit = (event: OverlayEvent) => outputs.push({ type: "emit", event });
  const sorted = () => [...neighbours].sort();

  const changed = (): void => {
    const list = sorted();
    if (list.join() === announced) return;
    announced = list.join();
    emit({ type: "neighbours-changed", neighbours: list });
  };

  const wanted = () => Math.max(0, settings.targetDegree - neighbours.size - pending.size);

  const wantMembers = (): void => {
    isMembersAsked = true;
    emit({ type: "members-wanted" });
  };

  /** How many neighbours and pending candidates each host has (loopback left out). */
  const hostCounts = (): Map<string, number> => {
    const counts = new Map<string, number>();
    // A pending candidate that asked us first is both a neighbour and pending: count it once.
    for (const address of new Set([...neighbours, ...pending])) {
      const host = hostOf(address);
      if (host !== undefined) counts.set(host, (counts.get(host) ?? 0) + 1);
    }
    return counts;
  };

  /**
   * True when `address` may join our neighbours without exceeding `maxNeighboursPerHost`: the
   * neighbours and pending candidates on its host, itself apart, are fewer than the cap.
   * Loopback hosts are exempt (see the README).
   */
  const hasHostRoom = (address: string, counts = hostCounts()): boolean => {
    const host = hostOf(address);
    if (host === undefined) return true;
    const itself = neighbours.has(address) || pending.has(address) ? 1 : 0;
    return (counts.get(host) ?? 0) - itself < settings.maxNeighboursPerHost;
  };

  const isInWindow = (acceptedAtMs: number) => acceptedAtMs > now - settings.acceptWindowMs;

  /** Forgets accepts older than the window; the ones left are within it. */
  const acceptsInWindow = (): number => {
    while (acceptedAt.length > 0 && !isInWindow(acceptedAt[0] ?? now)) acceptedAt.shift();
    return acceptedAt.length;
  };

  /** Chooses among the remaining candidates until the target is reached or none is left. */
  const select = (): void => {
    if (pending.size > 0) return;
    for (;;) {
      const count = wanted();
      const counts = hostCounts();
      candidates = candidates.filter((candidate) => hasHostRoom(candidate.address, counts));
      if (count === 0 || candidates.length === 0) break;
      const chosen = chooseNeighbours({
        joiner: settings.self,
        candidates: neighbours.size === 0 ? attachedOrAll(candidates) : candidates,
        k: count,
        random,
        shift: attachmentShift,
        floorDegree: settings.targetDegree,
      });
      candidates = candidates.filter((candidate) => !chosen.includes(candidate.address));
      for (const address of chosen) {
        if (!hasHostRoom(address)) continue; // an earlier pick of this round filled its host
        pending.add(address);
        outputs.push({ type: "connect", address });
      }
      if (pending.size > 0) return;
    }
    if (isSelecting) {
      isSelecting = false;
      retryAt = neighbours.size < settings.targetDegree ? now + settings.topUpRetryMs : undefined;
      emit({ type: "selection-finished", neighbours: sorted() });
    }
  };

  const add = (address: string): void => {
    held.delete(address);
    if (address === settings.self || neighbours.has(address)) return;
    neighbours.add(address);
    changed();
  };

  const lose = (address: string): void => {
    held.delete(address);
    if (!neighbours.delete(address)) return;
    outputs.push({ type: "disconnect", address });
    changed();
    if (neighbours.size < settings.targetDegree && !isSelecting) wantMembers();
  };

  const refuse = (address: string, reason: NeighbourRefusalReason): void => {
    outputs.push({ type: "send", to: address, message: { type: "node.neighbour-refused" } });
    emit({ type: "neighbour-refused", address, reason });
  };

  /** Why a request from `from` is refused now, or undefined when it is accepted: the rule. */
  const refusalOf = (from: string): NeighbourRefusalReason | undefined => {
    if (!alive.has(from)) return "not-member";
    if (neighbours.size >= settings.maxDegree) return "cap";
    if (!hasHostRoom(from)) return "host-cap";
    if (acceptsInWindow() >= settings.maxAcceptsPerWindow) return "rate";
    return undefined;
  };

  /** Judges a request against the latest snapshot: accepts it or refuses it. */
  const judge = (from: string): void => {
    const reason = refusalOf(from);
    if (reason !== undefined) {
      refuse(from, reason);
      return;
    }
    acceptedAt.push(now);
    add(from);
  };

  /** Keeps a request for the next snapshot to judge, or refuses it when too many wait. */
  const hold = (from: string): void => {
    if (held.has(from)) return;
    if (held.size >= settings.maxHeldRequests) {
      refuse(from, "held-full");
      return;
    }
    held.add(from);
    // The requester may have registered after our latest snapshot: ask for a fresh one. Before
    // the first snapshot there is nothing to ask: registering brings it.
    if (isStarted && !isMembersAsked) wantMembers();
  };

  const onMembers = (members: readonly DirectoryMember[]): void => {
    isStarted = true;
    isMembersAsked = false;
    alive = new Set(
      members
        .filter((member) => member.status === "alive" && member.address !== settings.self)
        .map((member) => member.address),
    );
    const waiting = [...held].sort();
    held.clear();
    for (const address of waiting) {
      if (!neighbours.has(address)) judge(address);
    }
    const degrees = degreesOf(members);
    candidates = members
      .filter((member) => member.status === "alive" && member.address !== settings.self)
      .filter((member) => (refusedUntil.peek(member.address) ?? now) <= now)
      .filter((member) => !neighbours.has(member.address) && !pending.has(member.address))
      .map((member) => ({ address: member.address, degree: degrees.get(member.address) ?? 0 }));
    isSelecting = true;
    select();
  };

  const onReceive = (from: string, message: OverlayMessage): void => {
    switch (message.type) {
      case "node.neighbour":
        if (from === settings.self || neighbours.has(from)) return;
        if (isStarted && alive.has(from)) judge(from);
        else hold(from);
        return;
      case "node.neighbour-refused":
        refusedUntil.set(from, now + settings.refusalMemoryMs);
        lose(from);
        return;
      default:
        assertNever(message, "overlay message");
    }
  };

  const step = (input: OverlayInput): readonly OverlayOutput[] => {
    now = guardTime(input.now);
    outputs = [];
    switch (input.type) {
      case "members":
        onMembers(input.members);
        break;
      case "receive":
        onReceive(input.from, input.message);
        break;
      case "connected":
        if (!pending.delete(input.address)) break;
        outputs.push({ type: "send", to: input.address, message: { type: "node.neighbour" } });
        add(input.address);
        select();
        break;
      case "unreachable":
        if (!pending.delete(input.address)) break;
        emit({ type: "candidate-unreachable", address: input.address });
        select();
        break;
      case "neighbour-lost":
        lose(input.address);
        break;
      case "tick":
        if (retryAt === undefined || now < retryAt) break;
        retryAt = undefined;
        if (neighbours.size < settings.targetDegree && !isSelecting) wantMembers();
        break;
      default:
        assertNever(input, "overlay input");
    }
    return outputs;
  };

  return {
    config: settings,
    step,
    nextDeadline: () => retryAt,
    inspect: () => ({
      self: settings.self,
      isStarted,
      neighbours: sorted(),
      pending: [...pending].sort(),
      held: [...held].sort(),
      acceptedInWindow: acceptedAt.filter(isInWindow).length,
    }),
  };
}
