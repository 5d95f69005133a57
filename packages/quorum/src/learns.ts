import type { Acceptor } from "./acceptor.js";
import type { Ballot } from "./ballot.js";
import { type Certifier, isSameAccepted } from "./certificate.js";
import type { LocalView } from "./local-view.js";
import type { Attestation, LearnMessage, MemberRecord } from "./messages.js";
import type { SeedRegistryOutput } from "./seed-registry-types.js";

/** A committed value as `quorum.learn` carries it, without its certificate. */
type Learned = Pick<LearnMessage, "key" | "ballot" | "value">;

/** How a seed takes in committed values and tells the other seeds about them. */
export interface Learns {
  /**
   * `learned` is committed (with its certificate, `attestations`): the acceptor marks it, the
   * local view takes it, and the events it makes come out.
   */
  commit(learned: Learned, attestations: readonly Attestation[]): SeedRegistryOutput[];
  /** `quorum.learn` of `learned` to every other seed. */
  sends(learned: Learned, attestations: readonly Attestation[]): SeedRegistryOutput[];
  /** True when this seed's acceptor holds exactly the value of `message`. */
  acceptedExactly(message: LearnMessage): boolean;
  /**
   * A `quorum.learn`, with signing seeds: a value its certificate (or this seed's own accept)
   * proves is committed. Undefined: not proven, a hint for anti-entropy to settle.
   */
  receive(message: LearnMessage): SeedRegistryOutput[] | undefined;
}

/** The parts of a seed registry that learning touches. */
export interface LearnsParts {
  readonly seedId: string;
  readonly seeds: readonly string[];
  readonly acceptor: Acceptor;
  readonly certifier: Certifier;
  readonly localView: LocalView;
  /** A tombstone (a dead or left record) was learned. */
  readonly tombstoneLearned: () => void;
}

/** Creates a seed's learning of committed values. */
export function createLearns(parts: LearnsParts): Learns {
  const { seedId, seeds, acceptor, certifier, localView } = parts;

  const learn = (key: string, ballot: Ballot, value: MemberRecord | null): SeedRegistryOutput[] => {
    const events = localView.learn(key, ballot, value);
    if (value !== null && value.status !== "alive") parts.tombstoneLearned();
    return events.map((event) => ({ type: "emit", event }));
  };

  const commit: Learns["commit"] = ({ key, ballot, value }, attestations) => [
    ...acceptor.markCommitted(key, ballot, value, attestations),
    ...learn(key, ballot, value),
  ];

  const sends: Learns["sends"] = (learned, attestations) =>
    seeds
      .filter((to) => to !== seedId)
      .map((to) => ({
        type: "send",
        to,
        message: {
          type: "quorum.learn",
          ...learned,
          ...(certifier.isSigning ? { attestations: [...attestations] } : {}),
        },
      }));

  const acceptedExactly = (message: LearnMessage): boolean => {
    const accepted = acceptor.state(message.key)?.accepted;
    return accepted !== undefined && accepted !== null && isSameAccepted(accepted, message);
  };

  return {
    commit,
    sends,
    acceptedExactly,
    receive(message) {
      const { key, ballot, value, attestations } = message;
      // Attestations are kept only once checked: a forged one must not hide a true one.
      const isOwn = acceptedExactly(message);
      const held = isOwn ? acceptor.state(key)?.accepted?.attestations : undefined;
      const isProven = certifier.proves(key, ballot, value, attestations, held);
      if (!isOwn && !isProven) return undefined;
      return commit({ key, ballot, value }, isProven ? (attestations ?? []) : []);
    },
  };
}
