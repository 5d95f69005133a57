/** The clients' operations: which one to issue next, and the request that carries it. */
import { type RandomSource, randomInt } from "@p2p/wire";
import type { QuorumMessage } from "../src/index.js";
import type { MemberOperation } from "./membership-model.js";

/** How often each kind of operation is picked (relative weights). */
export type OperationMix = Readonly<Record<MemberOperation["kind"], number>>;

/** The default mix: about half the operations depend on the record's current state. */
const DEFAULT_MIX: OperationMix = {
  register: 0.25,
  "update-neighbours": 0.15,
  "mark-dead": 0.15,
  leave: 0.15,
  get: 0.3,
};

const NEIGHBOUR_POOL = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000", "10.8.0.4:7000"];
/** Keys a registration may name (two, so a registration can find the record held by the other). */
const KEY_POOL = ["a".repeat(64), "b".repeat(64)];

/** One of `items`, drawn from `random`. */
export const pick = <T>(random: RandomSource, items: readonly T[]): T =>
  items[randomInt(random, items.length)] as T;

const subset = (random: RandomSource, items: readonly string[]): string[] =>
  items.filter(() => random.next() < 0.5);

/**
 * Draws operations from `mix` (defaults for the kinds it omits). A removal or a leave names
 * the incarnation the client last saw for the key.
 */
export function createOperationChooser(
  mix: Partial<OperationMix> = {},
): (random: RandomSource, incarnation: number) => MemberOperation {
  const weights = Object.entries({ ...DEFAULT_MIX, ...mix }) as [MemberOperation["kind"], number][];
  const totalWeight = weights.reduce((sum, [, weight]) => sum + weight, 0);
  return (random, incarnation) => {
    let roll = random.next() * totalWeight;
    for (const [kind, weight] of weights) {
      roll -= weight;
      if (roll >= 0) continue;
      switch (kind) {
        case "register": {
          const named = random.next() < 0.3 ? pick(random, KEY_POOL) : undefined;
          return {
            kind,
            neighbours: subset(random, NEIGHBOUR_POOL),
            ...(named === undefined ? {} : { publicKey: named }),
          };
        }
        case "update-neighbours":
          return { kind, neighbours: subset(random, NEIGHBOUR_POOL) };
        case "mark-dead":
          return { kind, incarnation, voters: subset(random, NEIGHBOUR_POOL) };
        case "leave":
          return { kind, incarnation };
        case "get":
          return { kind };
      }
    }
    return { kind: "get" };
  };
}

/** The request a client sends for `operation` on `key`. */
export function requestOf(
  requestId: string,
  key: string,
  operation: MemberOperation,
): QuorumMessage {
  switch (operation.kind) {
    case "register":
      return {
        type: "quorum.register-request",
        requestId,
        address: key,
        neighbours: [...operation.neighbours],
        ...(operation.publicKey === undefined ? {} : { publicKey: operation.publicKey }),
      };
    case "update-neighbours":
      return {
        type: "quorum.update-neighbours",
        requestId,
        address: key,
        neighbours: [...operation.neighbours],
      };
    case "mark-dead":
      return {
        type: "quorum.dead-report",
        requestId,
        address: key,
        incarnation: operation.incarnation,
        evidence: { voters: [...operation.voters] },
      };
    case "leave":
      return {
        type: "quorum.leave-request",
        requestId,
        address: key,
        incarnation: operation.incarnation,
      };
    case "get":
      return { type: "quorum.get-request", requestId, address: key };
  }
}
