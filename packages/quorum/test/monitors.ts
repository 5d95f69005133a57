/**
 * Protocol monitors: the durability promises of the README, checked on what each seed
 * actually sends (after its group commit), across crashes and restarts.
 *
 * - A restarted seed never reuses a ballot: every ballot it proposes after a restart is
 *   above every ballot it sent before (the durable reservation); ballot 0, a new key's write
 *   without a prepare, is the exception, so:
 * - A seed writes a key at ballot 0 only if it is the key's owner, and never with two values,
 *   across crashes and restarts (its own acceptor holds the first before anyone sees it).
 * - An acceptor that accepts also promises the accept's next ballot (the one-round-trip path),
 *   and says so in its answer.
 * - An acceptor keeps its word: once it has told anyone it promised ballot b for a key, it
 *   never again answers "ok" to a lower ballot for that key (promises are persisted before
 *   the answer that announces them).
 * - A restarted seed shows only what it knows to be committed: every record of its local view
 *   is a value some seed announced committed (`quorum.learn`) at that version.
 */
import {
  canonicalJson,
  type DeliverableOutput,
  keyOwner,
  type MemberEntry,
  type MemberRecord,
} from "../src/index.js";
import { normalise } from "./cluster.js";

interface BallotLike {
  readonly counter: number;
  readonly proposer: string;
}

const compare = (a: BallotLike, b: BallotLike): number =>
  a.counter !== b.counter
    ? a.counter - b.counter
    : a.proposer === b.proposer
      ? 0
      : a.proposer < b.proposer
        ? -1
        : 1;

const show = (ballot: BallotLike): string => `(${ballot.counter}, ${ballot.proposer})`;

/** Watches every seed's delivered outputs; collects the broken promises. */
export interface ProtocolMonitor {
  /** `address` sent or emitted `output` (after the saves before it were durable). */
  delivered(address: string, output: DeliverableOutput): void;
  /** `address` crashed (it restarts from its storage). */
  crashed(address: string): void;
  /** A seed announced `value` committed for `key` at a ballot of counter `version`. */
  learned(key: string, version: number, value: MemberRecord | null): void;
  /** `address` restarted; `entries` is its local view then. */
  restarted(address: string, entries: readonly MemberEntry[]): void;
  /** Every violation seen, in order (empty when all is well). */
  readonly violations: readonly string[];
}

/** Creates the monitors of the ballots and promises of the cluster of `seeds`. */
export function createProtocolMonitor(seeds: readonly string[]): ProtocolMonitor {
  const violations: string[] = [];
  /** Per seed: the highest ballot counter it sent, and that before its latest crash. */
  const sentCounter = new Map<string, number>();
  const floorCounter = new Map<string, number>();
  /** Per acceptor and key: the highest promise it announced. */
  const announced = new Map<string, BallotLike>();
  /** The next ballot each accept carried, by key and ballot. */
  const nextBallots = new Map<string, BallotLike>();
  /** The value (and operations) of every ballot-0 accept sent, by key and proposer. */
  const zeroAccepts = new Map<string, string>();
  /** Every (key, version, record) some seed announced committed. */
  const committed = new Set<string>();
  const commitSlot = (key: string, version: number, record: MemberRecord | null): string =>
    `${key}\u0000${version}\u0000${normalise(record)}`;
  const acceptSlot = (key: string, ballot: BallotLike): string =>
    `${key}\u0000${ballot.counter}\u0000${ballot.proposer}`;

  const proposed = (address: string, key: string, counter: number): void => {
    const floor = floorCounter.get(address);
    if (floor !== undefined && counter <= floor) {
      violations.push(
        `${address} proposed counter ${counter} on ${key} after a restart, but had used ${floor} before it`,
      );
    }
    sentCounter.set(address, Math.max(sentCounter.get(address) ?? 0, counter));
  };

  const answered = (
    address: string,
    key: string,
    ballot: BallotLike,
    promised: BallotLike,
  ): void => {
    const slot = `${address}\u0000${key}`;
    const before = announced.get(slot);
    if (before !== undefined && compare(ballot, before) < 0) {
      violations.push(
        `${address} answered ok to ${show(ballot)} on ${key} after announcing a promise of ${show(before)}`,
      );
    }
    if (before === undefined || compare(promised, before) > 0) announced.set(slot, promised);
  };

  return {
    delivered(address, output) {
      if (output.type !== "send") return;
      const message = output.message;
      switch (message.type) {
        case "quorum.prepare":
          if (message.ballot.proposer === address) {
            proposed(address, message.key, message.ballot.counter);
          }
          return;
        case "quorum.accept":
          if (message.ballot.proposer === address && message.ballot.counter === 0) {
            const slot = `${message.key}\u0000${address}`;
            // Every field (normalise leaves out changedAt and the proof, which differ on a retry).
            const written = canonicalJson([message.value, message.operations]);
            const before = zeroAccepts.get(slot);
            if (before !== undefined && before !== written) {
              violations.push(
                `${address} wrote ${message.key} at ballot 0 twice: ${before}, then ${written}`,
              );
            }
            if (keyOwner(message.key, seeds) !== address) {
              violations.push(`${address} wrote ${message.key} at ballot 0 but does not own it`);
            }
            zeroAccepts.set(slot, written);
          } else if (message.ballot.proposer === address) {
            proposed(address, message.key, message.ballot.counter);
          }
          if (message.ballot.proposer === address) {
            if (message.nextBallot !== null) {
              proposed(address, message.key, message.nextBallot.counter);
              nextBallots.set(acceptSlot(message.key, message.ballot), message.nextBallot);
            }
          }
          return;
        case "quorum.promise":
          if (message.ok) answered(address, message.key, message.ballot, message.ballot);
          return;
        case "quorum.accepted": {
          if (!message.ok) return;
          const next = nextBallots.get(acceptSlot(message.key, message.ballot));
          if (next !== undefined && compare(message.promised, next) < 0) {
            violations.push(
              `${address} accepted ${show(message.ballot)} on ${message.key} but promised ${show(message.promised)}, not its next ballot ${show(next)}`,
            );
          }
          answered(address, message.key, message.ballot, message.promised);
          return;
        }
        default:
          return;
      }
    },
    learned(key, version, value) {
      committed.add(commitSlot(key, version, value));
    },
    restarted(address, entries) {
      for (const { record, version } of entries) {
        if (committed.has(commitSlot(record.address, version, record))) continue;
        violations.push(
          `${address} restarted showing ${record.address} at version ${version} (${normalise(record)}), never announced committed`,
        );
      }
    },
    crashed(address) {
      const sent = sentCounter.get(address);
      if (sent !== undefined) floorCounter.set(address, sent);
    },
    violations,
  };
}
