import { BoundedMap, err, P2pError, type RandomSource, type Result } from "@p2p/wire";
import { type Ballot, compareBallots, isBallotInRange, MAX_BALLOT_COUNTER } from "./ballot.js";
import type { QuorumErrorCode } from "./errors.js";
import type {
  AcceptedMessage,
  AcceptMessage,
  MemberRecord,
  PrepareMessage,
  PromiseMessage,
} from "./messages.js";
import { operationEntry, parseEntry } from "./operation-memory.js";
import { expireQueued, newOperation } from "./proposer-queues.js";
import { readPromises } from "./proposer-read.js";
import type {
  AbandonedAccept,
  Base,
  Operation,
  Proposer,
  ProposerOutput,
  ProposerSettings,
} from "./proposer-types.js";
import { createRoundTrips } from "./round-trips.js";

export type {
  Change,
  Proposer,
  ProposerOutput,
  ProposerSettings,
  ProposerView,
} from "./proposer-types.js";

/** How far past the highest ballot seen a proposer jumps after a conflict. */
const CONFLICT_LEAP = 16;

/** Creates a proposer. Randomness (backoff jitter) comes only from `random`. */
export function createProposer(settings: ProposerSettings, random: RandomSource): Proposer {
  const active = new Map<string, Operation>();
  const queues = new Map<string, Operation[]>();
  /** Per key: the value this proposer committed and the ballot a quorum already promised it next. */
  const fastPath = new BoundedMap<
    string,
    {
      ballot: Ballot;
      value: MemberRecord | null;
      operations: readonly string[];
      /** The committed value and its certificate: the base of the next accept. */
      base: Base;
    }
  >(settings.maxFastPathKeys ?? 10_000);
  let highestCounter = settings.reservedCounter;
  let reservedUpTo = settings.reservedCounter;
  let requestSequence = 0;
  const roundTrips = createRoundTrips({
    minimumMs: settings.attemptTimeoutMs,
    maximumMs: settings.operationTimeoutMs,
    maxPending: 1_024,
  });

  /** A refusal names the ballot its acceptor promised: outbid it next time (within the bound). */
  const learnHeight = (promised: Ballot): void => {
    if (isBallotInRange(promised)) highestCounter = Math.max(highestCounter, promised.counter);
  };

  /** Reserves counters up to `counter` durably before a ballot that uses them goes out. */
  const reserve = (counter: number): ProposerOutput[] => {
    if (counter <= reservedUpTo) return [];
    reservedUpTo = counter + settings.reserveBlock;
    return [{ type: "reserve", counter: reservedUpTo }];
  };

  const majorityImpossible = (failures: number): boolean =>
    failures > settings.acceptors.length - settings.quorumSize;

  // The proposer's own acceptor last: the other acceptors' copies go out without waiting for its
  // save (persist before send holds every output behind the saves issued before it), so the
  // local and remote disk syncs overlap. What counts the own answer (the next phase, the
  // result) comes after the own save, in a later output, and so still waits for it.
  const sendOrder = settings.acceptors.includes(settings.id)
    ? [...settings.acceptors.filter((acceptor) => acceptor !== settings.id), settings.id]
    : [...settings.acceptors];
  const broadcast = (
    message: PrepareMessage | AcceptMessage,
  ): Extract<ProposerOutput, { type: "send" }>[] =>
    sendOrder.map((to) => ({ type: "send", to, message }));

  const newRequestId = (): string => {
    requestSequence += 1;
    return `${settings.id}#${requestSequence}`;
  };

  const sendAccept = (
    now: number,
    operation: Operation,
    base: MemberRecord | undefined,
    baseOperations: readonly string[],
    proof: Base | null,
  ) => {
    const applied = baseOperations.find(
      (entry) => parseEntry(entry).operationId === operation.operationId,
    );
    if (applied !== undefined) {
      // An earlier attempt (or a duplicate request) already settled this operation: finish
      // writing the value as it is instead of applying the change twice. The answer is the
      // outcome of the attempt of this seed that the entry names (by its ballot); when
      // another seed settled it (a request retried there), that seed's refusal, or else the
      // value as it is.
      const { errorCode } = parseEntry(applied);
      operation.outcome =
        operation.settled.get(applied) ??
        (errorCode !== undefined
          ? err(
              new P2pError<QuorumErrorCode>(
                errorCode as QuorumErrorCode,
                `${operation.key}: the request was refused earlier (${errorCode})`,
              ),
            )
          : { ok: true, value: base });
      operation.proposed = base ?? null;
      operation.proposedOperations = baseOperations;
    } else {
      const changed = operation.change(base);
      operation.outcome = changed;
      const isEffective = changed.ok && changed.value !== base;
      operation.proposed = changed.ok ? (changed.value ?? null) : (base ?? null);
      const errorCode = changed.ok ? undefined : String(changed.error.code);
      const entry = operationEntry(operation.operationId, operation.ballot, errorCode);
      const isSettled = isEffective || !changed.ok;
      operation.proposedOperations = isSettled
        ? [...baseOperations, entry].slice(-settings.operationMemory)
        : baseOperations;
      // Every attempt's outcome is kept: a later attempt may find any of them chosen.
      if (isSettled) operation.settled.set(entry, changed);
    }
    operation.phase = "accept";
    operation.accepts = new Set();
    operation.attestations = new Map();
    operation.refusals = new Set();
    // After ballot 0, the next ballot is a fresh counter like any other (above the reservation).
    const nextCounter =
      operation.ballot.counter === 0 ? highestCounter + 1 : operation.ballot.counter + 1;
    operation.nextBallot = { counter: nextCounter, proposer: settings.id };
    highestCounter = Math.max(highestCounter, operation.nextBallot.counter);
    operation.phaseDeadline = now + phaseTimeout(operation);
    const reserved = reserve(operation.nextBallot.counter);
    const accept: AcceptMessage = {
      type: "quorum.accept",
      requestId: operation.requestId,
      key: operation.key,
      ballot: operation.ballot,
      value: operation.proposed,
      operations: [...operation.proposedOperations],
      nextBallot: operation.nextBallot,
      base: proof,
    };
    if (operation.ballot.counter === 0) {
      // Ballot 0 has no prepare: its value must be durable at this seed before another acceptor
      // sees it, or a restart could write a second value at the same ballot.
      operation.heldAccept = accept;
      return reserved.concat([{ type: "send", to: settings.id, message: accept }]);
    }
    roundTrips.sent(now, accept.requestId, "accept");
    return reserved.concat(broadcast(accept));
  };

  const startAttempt = (now: number, operation: Operation): ProposerOutput[] => {
    operation.attempt += 1;
    operation.heldAccept = undefined;
    operation.requestId = newRequestId();
    const cached = fastPath.get(operation.key);
    fastPath.delete(operation.key);
    if (cached !== undefined) {
      // One round trip: a quorum already promised `cached.ballot` when it accepted `cached.value`.
      operation.ballot = cached.ballot;
      return sendAccept(now, operation, cached.value ?? undefined, cached.operations, cached.base);
    }
    if (
      operation.attempt === 1 &&
      operation.mayCreate &&
      highestCounter + 1 <= MAX_BALLOT_COUNTER &&
      settings.acceptors.includes(settings.id) &&
      settings.mayWriteFresh?.(operation.key) === true
    ) {
      // A new key of this seed: ballot 0, below every ballot of a prepare, needs none.
      operation.ballot = { counter: 0, proposer: settings.id };
      return sendAccept(now, operation, undefined, [], null);
    }
    // After a conflict, leap well past the highest ballot seen: a proposer on the
    // one-round-trip path advances its promise by one per commit, so a plain +1 arrives
    // already outbid, starving everyone but that proposer.
    const step = operation.attempt > 1 ? CONFLICT_LEAP : 1;
    if (!(highestCounter + step + 1 <= MAX_BALLOT_COUNTER)) {
      // Out of ballots for good (only a faulty seed can have pushed promises this high).
      const exhausted = `ballot counters on ${operation.key} are exhausted (${highestCounter})`;
      return finish(
        operation,
        err(new P2pError<QuorumErrorCode>("NO_QUORUM", exhausted)),
        undefined,
        now,
      );
    }
    highestCounter += step;
    operation.ballot = { counter: highestCounter, proposer: settings.id };
    operation.phase = "prepare";
    operation.promises = new Map();
    operation.refusals = new Set();
    operation.phaseDeadline = now + phaseTimeout(operation);
    roundTrips.sent(now, operation.requestId, "prepare");
    return reserve(highestCounter).concat(
      broadcast({
        type: "quorum.prepare",
        requestId: operation.requestId,
        key: operation.key,
        ballot: operation.ballot,
      }),
    );
  };

  /**
   * How long a phase of this attempt waits for a quorum: on the first attempt, the round trips
   * seen so far (at least `attemptTimeoutMs`, at most `operationTimeoutMs`), doubled on each
   * later one (at most 16×). A fixed timeout shorter than the round trip (a WAN, a host short
   * of CPU, a lossy link) would abandon every attempt just before its answers arrive.
   */
  const phaseTimeout = (operation: Operation): number =>
    roundTrips.timeoutMs() * 2 ** Math.min(Math.max(operation.attempt - 1, 0), 4);

  const backoff = (now: number, operation: Operation): void => {
    fastPath.delete(operation.key);
    if (operation.phase === "accept") {
      // Its answers may yet come (a frame lost and sent again): keep counting them.
      operation.abandoned = {
        requestId: operation.requestId,
        ballot: operation.ballot,
        accepts: operation.accepts,
        attestations: operation.attestations,
        proposed: operation.proposed,
        proposedOperations: operation.proposedOperations,
        outcome: operation.outcome,
      };
    }
    const ceiling = Math.min(
      settings.backoffMaxMs,
      settings.backoffBaseMs * 2 ** Math.min(operation.attempt, 20),
    );
    // Jittered exponential backoff with a floor of half the ceiling: a preempted proposer
    // waits long enough for the winner to finish its round instead of preempting it back.
    const floor = ceiling / 2;
    operation.phase = "waiting";
    operation.phaseDeadline = now + floor + random.next() * (ceiling - floor);
  };

  const finish = (
    operation: Operation,
    result: Result<MemberRecord | undefined>,
    ballot: Ballot | undefined,
    now: number,
  ): ProposerOutput[] => {
    active.delete(operation.key);
    const outputs: ProposerOutput[] = [
      {
        type: "completed",
        operationId: operation.operationId,
        key: operation.key,
        result,
        ballot,
        committed: operation.proposed,
        attestations: ballot === undefined ? [] : [...operation.attestations.values()],
        ...(operation.lastRefusal === undefined ? {} : { lastRefusal: operation.lastRefusal }),
      },
    ];
    const queue = queues.get(operation.key);
    const next = queue?.shift();
    if (queue !== undefined && queue.length === 0) queues.delete(operation.key);
    if (next !== undefined) {
      active.set(next.key, next);
      outputs.push(...startAttempt(now, next));
    }
    return outputs;
  };

  const onPromise = (now: number, from: string, message: PromiseMessage, operation: Operation) => {
    if (!message.ok) {
      learnHeight(message.promised);
      operation.refusals.add(from);
      if (majorityImpossible(operation.refusals.size)) backoff(now, operation);
      return [];
    }
    operation.promises.set(from, message);
    if (operation.promises.size < settings.quorumSize) return [];
    const { latest, proof } = readPromises(operation.promises.values(), settings.acceptors.length);
    return sendAccept(now, operation, latest?.value ?? undefined, latest?.operations ?? [], proof);
  };

  const onAccepted = (
    now: number,
    from: string,
    message: AcceptedMessage,
    operation: Operation,
  ) => {
    // Ballot 0: the other acceptors get the accept once this seed's own has saved it.
    const released: ProposerOutput[] = [];
    const held = operation.heldAccept;
    if (held !== undefined && from === settings.id) {
      operation.heldAccept = undefined;
      // Its own acceptor refused it, so nobody saw this ballot 0: prepare instead.
      if (!message.ok) {
        if (message.reason !== null) operation.lastRefusal = message.reason;
        return startAttempt(now, operation);
      }
      roundTrips.sent(now, held.requestId, "accept");
      released.push(...broadcast(held).filter((output) => output.to !== settings.id));
    }
    if (!message.ok) {
      learnHeight(message.promised);
      if (message.reason !== null) operation.lastRefusal = message.reason;
      operation.refusals.add(from);
      if (majorityImpossible(operation.refusals.size)) backoff(now, operation);
      return [];
    }
    operation.accepts.add(from);
    if (message.attestation?.seed === from) operation.attestations.set(from, message.attestation);
    if (operation.accepts.size < settings.quorumSize) return released;
    if (operation.nextBallot !== null) {
      // The oldest key is dropped first when the map is full (its next change takes two phases).
      fastPath.set(operation.key, {
        ballot: operation.nextBallot,
        value: operation.proposed,
        operations: operation.proposedOperations,
        base: {
          ballot: operation.ballot,
          value: operation.proposed,
          attestations: [...operation.attestations.values()],
        },
      });
    }
    const outcome =
      operation.outcome ?? err(new P2pError<QuorumErrorCode>("UNREACHABLE", "no outcome"));
    return released.concat(finish(operation, outcome, operation.ballot, now));
  };

  /**
   * A late answer to the accept phase `operation` gave up on. Once a majority accepted that
   * ballot its value is chosen (any later ballot's prepare finds it), so the operation ends
   * with that phase's outcome, whatever its current attempt is doing.
   */
  const onLateAccepted = (
    now: number,
    from: string,
    message: AcceptedMessage,
    operation: Operation,
    abandoned: AbandonedAccept,
  ): ProposerOutput[] => {
    if (!message.ok) {
      learnHeight(message.promised);
      return [];
    }
    abandoned.accepts.add(from);
    if (message.attestation?.seed === from) abandoned.attestations.set(from, message.attestation);
    if (abandoned.accepts.size < settings.quorumSize) return [];
    operation.proposed = abandoned.proposed;
    operation.proposedOperations = abandoned.proposedOperations;
    operation.attestations = abandoned.attestations;
    const outcome =
      abandoned.outcome ?? err(new P2pError<QuorumErrorCode>("UNREACHABLE", "no outcome"));
    return finish(operation, outcome, abandoned.ballot, now);
  };

  return {
    submit(now, operationId, key, change, mayCreate = false) {
      const operation = newOperation({
        operationId,
        key,
        change,
        mayCreate,
        now,
        deadline: now + settings.operationTimeoutMs,
        proposer: settings.id,
      });
      if (active.has(key)) {
        const queue = queues.get(key) ?? [];
        queue.push(operation);
        queues.set(key, queue);
        return [];
      }
      active.set(key, operation);
      return startAttempt(now, operation);
    },

    receive(now, from, message) {
      if (from !== settings.id && settings.acceptors.includes(from)) {
        const phase = message.type === "quorum.promise" ? "prepare" : "accept";
        roundTrips.answered(now, message.requestId, phase);
      }
      const operation = active.get(message.key);
      const abandoned = operation?.abandoned;
      if (
        operation !== undefined &&
        abandoned !== undefined &&
        message.type === "quorum.accepted" &&
        message.requestId === abandoned.requestId &&
        compareBallots(abandoned.ballot, message.ballot) === 0 &&
        settings.acceptors.includes(from)
      ) {
        return onLateAccepted(now, from, message, operation, abandoned);
      }
      if (
        operation === undefined ||
        operation.requestId !== message.requestId ||
        compareBallots(operation.ballot, message.ballot) !== 0 ||
        !settings.acceptors.includes(from)
      ) {
        // Stale, duplicate or foreign reply: ignored, its ballot height too (anyone can send
        // one; heights are learned only from this proposer's own acceptors' answers).
        return [];
      }
      if (message.type === "quorum.promise") {
        return operation.phase === "prepare" ? onPromise(now, from, message, operation) : [];
      }
      return operation.phase === "accept" ? onAccepted(now, from, message, operation) : [];
    },

    tick(now) {
      const outputs: ProposerOutput[] = [];
      for (const key of [...active.keys()].sort()) {
        const operation = active.get(key);
        if (operation === undefined) continue;
        if (now >= operation.deadline) {
          const error =
            operation.lastRefusal !== undefined
              ? new P2pError<QuorumErrorCode>(
                  "NO_QUORUM",
                  `no quorum for ${key} before the deadline; last refusal: ${operation.lastRefusal}`,
                )
              : new P2pError<QuorumErrorCode>(
                  "NO_QUORUM",
                  `no quorum of ${settings.quorumSize} seeds answered for ${key} before the deadline`,
                );
          outputs.push(...finish(operation, err(error), undefined, now));
          continue;
        }
        if (now < operation.phaseDeadline) continue;
        if (operation.phase === "waiting") {
          outputs.push(...startAttempt(now, operation));
        } else {
          backoff(now, operation);
        }
      }
      // Queued operations past their deadline fail too (they never reached the wire).
      outputs.push(...expireQueued(queues, now));
      return outputs;
    },

    nextDeadline() {
      let next: number | undefined;
      for (const operation of active.values()) {
        const at = Math.min(operation.deadline, operation.phaseDeadline);
        if (next === undefined || at < next) next = at;
      }
      for (const queue of queues.values()) {
        for (const operation of queue) {
          if (next === undefined || operation.deadline < next) next = operation.deadline;
        }
      }
      return next;
    },

    inspect: () => ({
      activeOperations: active.size,
      queuedOperations: [...queues.values()].reduce((sum, queue) => sum + queue.length, 0),
      highestCounterSeen: highestCounter,
      fastPathKeys: fastPath.size,
    }),
  };
}
