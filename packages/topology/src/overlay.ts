import {
  AddressSchema,
  assertNever,
  createTimeGuard,
  type Machine,
  parseConfig,
  type RandomSource,
} from "@p2p/wire";
import { LRUCache } from "lru-cache";
import { z } from "zod";
import { degrees } from "./graph.js";
import { liveOverlay, type OverlayMember } from "./live-overlay.js";
import type { OverlayMessage } from "./messages.js";
import { chooseNeighbours, type NeighbourCandidate } from "./selection.js";

/** What the overlay needs to know of a member of the directory. */
export interface DirectoryMember extends OverlayMember {
  /** Only `alive` members are candidates and count towards degrees. */
  readonly status: string;
}

/** Configuration of {@link createOverlay}. */
export const OverlayConfigSchema = z
  .object({
    /** This peer's address. */
    self: AddressSchema,
    /** Neighbours a peer picks by preferential attachment, and tops up to when it loses one. */
    targetDegree: z.number().int().positive().default(2),
    /** Neighbour requests beyond this many neighbours are refused. */
    maxDegree: z.number().int().positive().default(64),
    /** A peer that refused our request is not asked again for this long (input time). */
    refusalMemoryMs: z.number().nonnegative().default(60_000),
    /** Most refusals remembered. */
    maxRememberedRefusals: z.number().int().positive().default(1_024),
  })
  .refine((config) => config.maxDegree >= config.targetDegree, {
    path: ["maxDegree"],
    message: "must be at least targetDegree",
  });

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

/** Events for the host. */
export type OverlayEvent =
  | { readonly type: "neighbours-changed"; readonly neighbours: readonly string[] }
  /** Below the target degree with no candidate left: fetch a fresh directory snapshot. */
  | { readonly type: "members-wanted" }
  /** A selection round ended (target reached, or no candidate left). */
  | { readonly type: "selection-finished"; readonly neighbours: readonly string[] }
  | { readonly type: "neighbour-refused"; readonly address: string; readonly reason: "cap" }
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
  /** Requests held until the overlay starts. */
  readonly early: readonly string[];
}

/** A peer's overlay upkeep, as a sans-IO machine. */
export interface Overlay extends Machine<OverlayInput, OverlayOutput, OverlayView> {
  readonly config: OverlayConfig;
}

/** Each live member's degree in the undirected overlay the members describe. */
export function degreesOf(members: readonly DirectoryMember[]): Map<string, number> {
  const overlay = liveOverlay(members.filter((member) => member.status === "alive"));
  const counts = degrees(overlay.graph);
  return new Map(overlay.names.map((name, index) => [name, counts[index] ?? 0]));
}

/**
 * Creates a peer's overlay: on each directory snapshot it picks neighbours by preferential
 * attachment until it has `targetDegree`, replacing candidates that cannot be reached; it
 * accepts neighbour requests up to `maxDegree`; and when it loses a neighbour below the target
 * it asks for a fresh snapshot to top up, so peers that lost a shared hub do not stay an island.
 */
export function createOverlay(
  configInput: OverlayConfigInput,
  dependencies: { random: RandomSource },
): Overlay {
  const settings = parseConfig(OverlayConfigSchema, configInput, "overlay config");
  const { random } = dependencies;
  /** Peers that refused us, with when they may be asked again. */
  const refusedUntil = new LRUCache<string, number>({ max: settings.maxRememberedRefusals });
  let now = 0;
  const guardTime = createTimeGuard("overlay");
  const neighbours = new Set<string>();
  const early = new Set<string>();
  const pending = new Set<string>();
  let candidates: NeighbourCandidate[] = [];
  let isStarted = false;
  let isSelecting = false;
  let announced = "";
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

  /** Chooses among the remaining candidates until the target is reached or none is left. */
  const select = (): void => {
    if (pending.size > 0) return;
    const count = wanted();
    if (count > 0 && candidates.length > 0) {
      const chosen = chooseNeighbours({ joiner: settings.self, candidates, k: count, random });
      candidates = candidates.filter((candidate) => !chosen.includes(candidate.address));
      for (const address of chosen) {
        pending.add(address);
        outputs.push({ type: "connect", address });
      }
      return;
    }
    if (isSelecting) {
      isSelecting = false;
      emit({ type: "selection-finished", neighbours: sorted() });
    }
  };

  const add = (address: string): void => {
    if (address === settings.self || neighbours.has(address)) return;
    neighbours.add(address);
    changed();
  };

  const lose = (address: string): void => {
    if (!neighbours.delete(address)) return;
    outputs.push({ type: "disconnect", address });
    changed();
    if (neighbours.size < settings.targetDegree && !isSelecting) emit({ type: "members-wanted" });
  };

  const onMembers = (members: readonly DirectoryMember[]): void => {
    if (!isStarted) {
      isStarted = true;
      for (const address of [...early].sort()) add(address);
      early.clear();
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
        if (!isStarted) {
          if (early.size < settings.maxDegree) early.add(from);
          return;
        }
        if (neighbours.size >= settings.maxDegree) {
          outputs.push({ type: "send", to: from, message: { type: "node.neighbour-refused" } });
          emit({ type: "neighbour-refused", address: from, reason: "cap" });
          return;
        }
        add(from);
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
        break;
      default:
        assertNever(input, "overlay input");
    }
    return outputs;
  };

  return {
    config: settings,
    step,
    nextDeadline: () => undefined,
    inspect: () => ({
      self: settings.self,
      isStarted,
      neighbours: sorted(),
      pending: [...pending].sort(),
      early: [...early].sort(),
    }),
  };
}
