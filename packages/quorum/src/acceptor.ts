import type { Result } from "@p2p/wire";
import { type Ballot, compareBallots, isBallotInRange, zeroBallot } from "./ballot.js";
import type {
  AcceptedMessage,
  AcceptMessage,
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
  | { readonly type: "persist"; readonly key: string; readonly state: AcceptorState }
  | { readonly type: "reply"; readonly message: PromiseMessage | AcceptedMessage };

/** The CASPaxos acceptor for every key: promise, accept, validate. */
export interface Acceptor {
  prepare(message: PrepareMessage): AcceptorOutput[];
  accept(message: AcceptMessage): AcceptorOutput[];
  state(key: string): AcceptorState | undefined;
  keys(): IterableIterator<string>;
}

/** Creates an acceptor from previously persisted states. */
export function createAcceptor(
  validate: TransitionValidator,
  initialStates: ReadonlyMap<string, AcceptorState> = new Map(),
): Acceptor {
  const states = new Map<string, AcceptorState>(initialStates);
  const get = (key: string): AcceptorState =>
    states.get(key) ?? { promised: zeroBallot, accepted: null };

  const store = (key: string, state: AcceptorState): AcceptorOutput => {
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
              : { ...current.accepted, operations: [...current.accepted.operations] },
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
        const verdict = validate(message.key, current.accepted?.value ?? undefined, message.value);
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
      if (!isDuplicate || compareBallots(promised, current.promised) > 0) {
        const accepted = isDuplicate
          ? current.accepted
          : { ballot: message.ballot, value: message.value, operations: message.operations };
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
        },
      });
      return outputs;
    },

    state: (key) => states.get(key),
    keys: () => states.keys(),
  };
}
