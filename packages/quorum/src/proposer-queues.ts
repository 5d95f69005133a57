// Part of the proposer (proposer.ts): a new operation, and the operations queued behind a
// key's active one.
import { err, P2pError } from "@p2p/wire";
import type { QuorumErrorCode } from "./errors.js";
import type { Change, Operation, ProposerOutput } from "./proposer-types.js";

/** A submitted operation, waiting for its first attempt (at `now`) until `deadline`. */
export function newOperation(fields: {
  readonly operationId: string;
  readonly key: string;
  readonly change: Change;
  readonly mayCreate: boolean;
  readonly now: number;
  readonly deadline: number;
  /** This proposer's id (the ballots it writes carry it). */
  readonly proposer: string;
}): Operation {
  const { operationId, key, change, mayCreate, now, deadline, proposer } = fields;
  return {
    operationId,
    key,
    change,
    mayCreate,
    deadline,
    attempt: 0,
    phase: "waiting",
    requestId: "",
    ballot: { counter: 0, proposer },
    nextBallot: null,
    phaseDeadline: now,
    promises: new Map(),
    accepts: new Set(),
    attestations: new Map(),
    refusals: new Set(),
    proposed: null,
    proposedOperations: [],
    outcome: undefined,
    settled: new Map(),
    lastRefusal: undefined,
    heldAccept: undefined,
    abandoned: undefined,
  };
}

/**
 * Takes the queued operations past their deadline out of `queues` (in key order) and returns
 * their `completed` outputs: NO_QUORUM, as they never reached the wire.
 */
export function expireQueued(queues: Map<string, Operation[]>, now: number): ProposerOutput[] {
  const outputs: ProposerOutput[] = [];
  for (const [key, queue] of [...queues].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    const alive: Operation[] = [];
    for (const operation of queue) {
      if (now >= operation.deadline) {
        outputs.push({
          type: "completed",
          operationId: operation.operationId,
          key,
          result: err(
            new P2pError<QuorumErrorCode>(
              "NO_QUORUM",
              `operation on ${key} waited past its deadline`,
            ),
          ),
          ballot: undefined,
          committed: null,
          attestations: [],
        });
      } else {
        alive.push(operation);
      }
    }
    if (alive.length > 0) queues.set(key, alive);
    else queues.delete(key);
  }
  return outputs;
}
