import type { Result } from "@p2p/wire";
import { type Ballot, compareBallots, isBallotInRange, zeroBallot } from "./ballot.js";
import {
  type Certifier,
  createCertifier,
  isSameAccepted,
  mergeAttestations,
} from "./certificate.js";
import type {
  AcceptedMessage,
  AcceptMessage,
  Attestation,
  MemberRecord,
  PrepareMessage,
  PromiseMessage,
} from "./messages.js";
import type { AcceptorState } from "./storage.js";

/**
 * Checks one proposed transition of `key` from the acceptor's current accepted value to
 * `proposed` (null: the key is absent). An error refuses the accept; its message is the reason.
 */
export type TransitionValidator = (
  key: string,
  current: MemberRecord | undefined,
  proposed: MemberRecord | null,
) => Result<void>;

/** What the acceptor asks its host to do, in order: persist first, then reply. */
export type AcceptorOutput =
  | {
      readonly type: "persist";
      readonly key: string;
      readonly state: AcceptorState;
      /** A commit mark: nothing waits for it, and a crash may lose it (see `markCommitted`). */
      readonly isLazy?: boolean;
    }
  | { readonly type: "reply"; readonly message: PromiseMessage | AcceptedMessage };

/** The `persist` output of an acceptor. */
export type PersistOutput = Extract<AcceptorOutput, { type: "persist" }>;

/** The CASPaxos acceptor for every key: promise, accept, validate. */
export interface Acceptor {
  prepare(message: PrepareMessage): AcceptorOutput[];
  accept(message: AcceptMessage): AcceptorOutput[];
  /**
   * `value` was committed at `ballot` (with its certificate, when seeds sign): when this
   * acceptor holds exactly that value, it keeps the attestations and marks it committed. The
   * mark is a lazy persist: only a speed-up (a restarted seed serves a committed record at
   * once), never needed for safety (an accepted value without it is read again from a quorum
   * after a restart), so no answer waits for its disk sync.
   */
  markCommitted(
    key: string,
    ballot: Ballot,
    value: MemberRecord | null,
    attestations: readonly Attestation[],
  ): PersistOutput[];
  state(key: string): AcceptorState | undefined;
  keys(): IterableIterator<string>;
}

/** A certifier that never signs: values change on the proposing seed's word. */
const unsigned = createCertifier({ seedId: "", seeds: [], quorumSize: 1 });

/**
 * Creates an acceptor from previously persisted states. With a signing `certifier`, it signs
 * every value it accepts, and checks the transition from the proposer's `base` (instead of
 * from its own older value) only when the base's attestations prove it was committed.
 */
export function createAcceptor(
  validate: TransitionValidator,
  initialStates: ReadonlyMap<string, AcceptorState> = new Map(),
  certifier: Certifier = unsigned,
  maxAttestations = 64,
): Acceptor {
  const states = new Map<string, AcceptorState>(initialStates);
  const get = (key: string): AcceptorState =>
    states.get(key) ?? { promised: zeroBallot, accepted: null };

  /**
   * The value a proposed transition starts from: this acceptor's own accepted value, or the
   * proposer's base when it is newer than that and proven committed (a lagging acceptor
   * catching up; a compacted tombstone, or one whose votes are too old to check again).
   */
  const transitionFrom = (
    current: AcceptorState,
    message: AcceptMessage,
  ): MemberRecord | undefined => {
    const own = current.accepted;
    const base = message.base;
    if (
      base !== null &&
      base !== undefined &&
      (own === null || compareBallots(base.ballot, own.ballot) > 0) &&
      certifier.proves(message.key, base.ballot, base.value, base.attestations)
    ) {
      return base.value ?? undefined;
    }
    return own?.value ?? undefined;
  };

  const store = (key: string, state: AcceptorState): PersistOutput => {
    states.set(key, state);
    return { type: "persist", key, state };
  };

  return {
    prepare(message) {
      // A ballot past the bound is nobody's honest ballot: no promise, no reply.
      if (!isBallotInRange(message.ballot)) return [];
      const current = get(message.key);
      const base = { requestId: message.requestId, key: message.key, ballot: message.ballot };
      // A ballot equal to the promise is answered again (a duplicate prepare, or the
      // one-round-trip path); only a strictly lower ballot is refused.
      if (compareBallots(message.ballot, current.promised) < 0) {
        return [
          {
            type: "reply",
            message: {
              type: "quorum.promise",
              ...base,
              ok: false,
              promised: current.promised,
              accepted: null,
            },
          },
        ];
      }
      const outputs: AcceptorOutput[] = [];
      if (compareBallots(message.ballot, current.promised) > 0) {
        outputs.push(store(message.key, { promised: message.ballot, accepted: current.accepted }));
      }
      outputs.push({
        type: "reply",
        message: {
          type: "quorum.promise",
          ...base,
          ok: true,
          promised: message.ballot,
          accepted:
            current.accepted === null
              ? null
              : {
                  ballot: current.accepted.ballot,
                  value: current.accepted.value,
                  operations: [...current.accepted.operations],
                  ...(current.accepted.attestations === undefined
                    ? {}
                    : { attestations: [...current.accepted.attestations] }),
                },
        },
      });
      return outputs;
    },

    accept(message) {
      const isNextInRange = message.nextBallot === null || isBallotInRange(message.nextBallot);
      if (!isBallotInRange(message.ballot) || !isNextInRange) return [];
      const current = get(message.key);
      const base = { requestId: message.requestId, key: message.key, ballot: message.ballot };
      const refuse = (reason: string | null): AcceptorOutput[] => [
        {
          type: "reply",
          message: {
            type: "quorum.accepted",
            ...base,
            ok: false,
            promised: current.promised,
            reason,
          },
        },
      ];
      if (compareBallots(message.ballot, current.promised) < 0) return refuse(null);
      // Already accepted at exactly this ballot: a duplicate accept; answer it again.
      const isDuplicate =
        current.accepted !== null && compareBallots(current.accepted.ballot, message.ballot) === 0;
      if (!isDuplicate) {
        const verdict = validate(message.key, transitionFrom(current, message), message.value);
        if (!verdict.ok) return refuse(verdict.error.message);
      }
      let promised: Ballot = message.ballot;
      if (message.nextBallot !== null) {
        if (
          message.nextBallot.proposer !== message.ballot.proposer ||
          compareBallots(message.nextBallot, message.ballot) <= 0
        ) {
          return refuse("next ballot must be a later ballot of the same proposer");
        }
        promised = message.nextBallot;
      }
      const outputs: AcceptorOutput[] = [];
      const attestation = isDuplicate
        ? current.accepted?.attestations?.find((candidate) => candidate.seed === certifier.seedId)
        : certifier.attest(message.key, message.ballot, message.value);
      if (!isDuplicate || compareBallots(promised, current.promised) > 0) {
        const accepted = isDuplicate
          ? current.accepted
          : {
              ballot: message.ballot,
              value: message.value,
              operations: message.operations,
              ...(attestation === undefined ? {} : { attestations: [attestation] }),
            };
        const next = compareBallots(promised, current.promised) > 0 ? promised : current.promised;
        outputs.push(store(message.key, { promised: next, accepted }));
      }
      outputs.push({
        type: "reply",
        message: {
          type: "quorum.accepted",
          ...base,
          ok: true,
          promised: get(message.key).promised,
          reason: null,
          attestation: attestation ?? null,
        },
      });
      return outputs;
    },

    markCommitted(key, ballot, value, attestations) {
      const current = states.get(key);
      const accepted = current?.accepted;
      if (current === undefined || accepted === null || accepted === undefined) return [];
      if (!isSameAccepted(accepted, { ballot, value })) return [];
      const merged = mergeAttestations([accepted.attestations, attestations], maxAttestations);
      if (accepted.committed === true && merged.length === (accepted.attestations?.length ?? 0)) {
        return [];
      }
      const marked = store(key, {
        promised: current.promised,
        accepted: {
          ...accepted,
          ...(merged.length === 0 ? {} : { attestations: merged }),
          committed: true,
        },
      });
      return [{ ...marked, isLazy: true }];
    },

    state: (key) => states.get(key),
    keys: () => states.keys(),
  };
}
