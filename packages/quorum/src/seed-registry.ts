import { assertNever, createTimeGuard, err, P2pError, type Result } from "@p2p/wire";
import { createAcceptor } from "./acceptor.js";
import { CATCH_UP, createAntiEntropy } from "./anti-entropy.js";
import { keyOwner } from "./ballot.js";
import { createCertifier } from "./certificate.js";
import { type ClientMessage, commandChange, createClientRequests } from "./client-requests.js";
import { createCompaction, isCompaction } from "./compaction.js";
import type { QuorumErrorCode } from "./errors.js";
import { createLearns } from "./learns.js";
import { createLocalView, createRestartReads } from "./local-view.js";
import { createMembershipValidator, type EvidenceContext, readChange } from "./membership.js";
import type { MemberRecord, QuorumMessage } from "./messages.js";
import { createProbeResults } from "./probe-results.js";
import { type Change, createProposer, type ProposerOutput } from "./proposer.js";
import { createOwnerFirst, createRemovalsInFlight } from "./removal-coordination.js";
import { createRemovalRetries } from "./removal-retries.js";
import { PROPOSER_RESERVATION_KEY, restoredState } from "./seed-registry-state.js";
import {
  parseSeedRegistryConfig,
  type SeedCommand,
  type SeedRegistry,
  type SeedRegistryConfigInput,
  type SeedRegistryDeps,
  type SeedRegistryOutput,
} from "./seed-registry-types.js";

export { PROPOSER_RESERVATION_KEY } from "./seed-registry-state.js";
export type {
  SeedCommand,
  SeedRegistry,
  SeedRegistryConfig,
  SeedRegistryConfigInput,
  SeedRegistryDeps,
  SeedRegistryEvent,
  SeedRegistryInput,
  SeedRegistryOutput,
  SeedRegistryView,
} from "./seed-registry-types.js";
export { SeedRegistryConfigSchema } from "./seed-registry-types.js";

const RESTART = ":restart:";
const RESTART_READS_AT_ONCE = 64;

/** Creates a seed's registry from its configuration and (restored) acceptor state. */
export function createSeedRegistry(
  configInput: SeedRegistryConfigInput,
  deps: SeedRegistryDeps,
): SeedRegistry {
  const config = parseSeedRegistryConfig(configInput);
  const { seedId, seeds } = config;
  const isSeed = (address: string): boolean => seeds.includes(address);
  const owners = (key: string): string | undefined => keyOwner(key, seeds);
  const guardTime = createTimeGuard(`seed registry ${seedId}`);
  let currentNow = 0;
  let wallOffsetMs = 0;

  const { keys: initial, reservedCounter } = restoredState(deps.initialState);
  /** Committed records only; what the acceptor holds uncommitted is quorum-read after start. */
  const localView = createLocalView(initial);
  // At most 64 at once: every seed may restart with the same keys to read.
  const restartReads = createRestartReads(
    localView.unconfirmed,
    Math.min(config.maxCatchUpReads, RESTART_READS_AT_ONCE),
  );
  const certifier = createCertifier({
    seedId,
    seeds,
    quorumSize: config.quorumSize,
    sign: deps.certificates?.sign,
    seedKeys: deps.certificates?.seedKeys,
    verify: deps.certificates?.verify ?? deps.verifySignature,
  });

  /** This seed's own probe outcomes, from `probe-result` inputs. */
  const probeResults = createProbeResults(config);
  /** Alive votes about members this seed's host checked, from `alive-vote` inputs. */
  const aliveVotes = createProbeResults(config);
  const wallNow = (): number => currentNow + wallOffsetMs;
  const evidenceContext = (): EvidenceContext => ({
    now: currentNow,
    wallTimeMs: wallNow(),
    records: list().map((entry) => entry.record),
    probeResults: probeResults.table,
    aliveVotes: aliveVotes.table,
  });
  const acceptor = createAcceptor(
    createMembershipValidator(
      deps.validateEvidence,
      config,
      evidenceContext,
      deps.verifySignature,
      deps.admits === undefined ? {} : { admits: deps.admits },
    ),
    initial,
    certifier,
    seeds.length,
  );
  const proposer = createProposer(
    {
      id: seedId,
      acceptors: seeds,
      quorumSize: config.quorumSize,
      attemptTimeoutMs: config.attemptTimeoutMs,
      operationTimeoutMs: config.operationTimeoutMs,
      backoffBaseMs: config.backoffBaseMs,
      backoffMaxMs: config.backoffMaxMs,
      reservedCounter,
      reserveBlock: config.reserveBlock,
      operationMemory: config.operationMemory,
      maxFastPathKeys: config.maxFastPathKeys,
      // A key this seed owns and its acceptor has never seen: one round trip (ballot 0).
      mayWriteFresh: (key) =>
        owners(key) === seedId &&
        acceptor.state(key) === undefined &&
        localView.ballotOf(key) === undefined,
    },
    deps.random,
  );

  const compaction = createCompaction(
    { retentionMs: config.tombstoneRetentionMs, intervalMs: config.compactionIntervalMs },
    localView.hasTombstones(),
  );
  let operationSequence = 0;

  const entryOf = localView.entry;
  const list = localView.list;

  const learns = createLearns({
    seedId,
    seeds,
    acceptor,
    certifier,
    localView,
    tombstoneLearned: () => compaction.tombstoneLearned(currentNow),
  });

  const antiEntropy = createAntiEntropy(config, deps.random, {
    knownBallot: (key) => localView.ballotOf(key),
    versionOf: (key) => entryOf(key)?.version,
    acceptedExactly: learns.acceptedExactly,
    learn: (message) => learns.commit(message, []),
    read: (now, operationId, key) => submit(now, operationId, key, readChange),
  });
  const clients = createClientRequests(config, list, entryOf, deps.admits);
  const removalRetries = createRemovalRetries({
    retryMs: config.removalRetryMs,
    retries: config.removalRetries,
    maxEntries: config.maxPendingOperations,
    random: deps.random,
    entryOf: (address) => entryOf(address),
    failedProbeAt: (address) => probeResults.failedAt(address),
  });
  const removals = createRemovalsInFlight(config.maxPendingOperations);
  const ownerFirst = createOwnerFirst({
    graceMs: config.removalOwnerGraceMs,
    maxEntries: config.maxPendingOperations,
    random: deps.random,
    isOwner: (address) => owners(address) === seedId,
  });

  const complete = (
    output: Extract<ProposerOutput, { type: "completed" }>,
  ): SeedRegistryOutput[] => {
    // The answer (or event) goes before the commit mark's save: it needs only the accepts.
    const [outputs, settled]: [SeedRegistryOutput[], SeedRegistryOutput[]] = [[], []];
    const result = output.result;
    if (output.ballot !== undefined) {
      const finalValue = output.committed;
      const learned = { key: output.key, ballot: output.ballot, value: finalValue };
      settled.push(...learns.commit(learned, output.attestations));
      settled.push(...learns.sends(learned, output.attestations));
    }
    outputs.push(...answer(output.operationId, output.key, result, output.lastRefusal));
    // The reports about the same removal that waited on this one: answered with its outcome,
    // or proposed now that it failed.
    const followers = removals.finished(output.operationId);
    if (result.ok) {
      for (const follower of followers)
        outputs.push(...answer(follower.operationId, follower.address, result, undefined));
    } else {
      for (const follower of followers) outputs.push(...proposeCommand(currentNow, follower));
    }
    return outputs.concat(settled);
  };

  /** The answer (or event) that ends operation `operationId` on `key` with `result`. */
  const answer = (
    operationId: string,
    key: string,
    result: Result<MemberRecord | undefined>,
    lastRefusal: string | undefined,
  ): SeedRegistryOutput[] => {
    removalRetries.completed(currentNow, operationId, result, lastRefusal);
    const reply = clients.complete(operationId, result);
    if (reply !== undefined) return [reply];
    if (operationId.startsWith(CATCH_UP)) {
      if (operationId.includes(RESTART)) restartReads.completed();
      antiEntropy.readCompleted(key);
      return [];
    }
    if (isCompaction(operationId)) return [];
    return [
      { type: "emit", event: { type: "operation-completed", operationId, address: key, result } },
    ];
  };

  /** Turns proposer outputs into registry outputs; messages to this seed are handled inline. */
  const drive = (now: number, proposerOutputs: ProposerOutput[]): SeedRegistryOutput[] => {
    const outputs: SeedRegistryOutput[] = [];
    const work = [...proposerOutputs];
    for (let output = work.shift(); output !== undefined; output = work.shift()) {
      switch (output.type) {
        case "reserve":
          outputs.push({
            type: "persist",
            key: PROPOSER_RESERVATION_KEY,
            state: { promised: { counter: output.counter, proposer: seedId }, accepted: null },
          });
          break;
        case "send": {
          if (output.to !== seedId) {
            outputs.push({ type: "send", to: output.to, message: output.message });
            break;
          }
          const acceptorOutputs =
            output.message.type === "quorum.prepare"
              ? acceptor.prepare(output.message)
              : acceptor.accept(output.message);
          const replies: ProposerOutput[] = [];
          for (const acceptorOutput of acceptorOutputs) {
            if (acceptorOutput.type === "persist") outputs.push(acceptorOutput);
            else replies.push(...proposer.receive(now, seedId, acceptorOutput.message));
          }
          work.unshift(...replies);
          break;
        }
        case "completed":
          outputs.push(...complete(output));
          break;
        default:
          assertNever(output, "proposer output");
      }
    }
    return outputs;
  };

  const submit = (
    now: number,
    operationId: string,
    key: string,
    change: Change,
    mayCreate = false,
  ) => {
    const view = proposer.inspect();
    if (view.activeOperations + view.queuedOperations >= config.maxPendingOperations) {
      return complete({
        type: "completed",
        operationId,
        key,
        result: err(
          new P2pError<QuorumErrorCode>("BUSY", `seed ${seedId} has too many pending operations`),
        ),
        ballot: undefined,
        committed: null,
        attestations: [],
      });
    }
    return drive(now, proposer.submit(now, operationId, key, change, mayCreate));
  };

  /** Proposes `command` now, unless it is a removal that waits for the member's owner seed. */
  const submitCommand = (now: number, command: SeedCommand): SeedRegistryOutput[] =>
    command.type === "mark-dead" && ownerFirst.defer(now, command)
      ? []
      : proposeCommand(now, command);
  /** Proposes `command`, unless a removal of the same member runs here: it then waits on that. */
  const proposeCommand = (now: number, command: SeedCommand): SeedRegistryOutput[] =>
    command.type === "mark-dead" && removals.join(command) ? [] : submitNow(now, command);
  const submitNow = (now: number, command: SeedCommand): SeedRegistryOutput[] =>
    submit(
      now,
      command.operationId,
      command.address,
      // Records carry wall-clock times: tombstone ages survive a restart of the seed.
      commandChange(wallNow(), command, deps.validateEvidence, evidenceContext),
      command.type === "register",
    );
  const runCommand = (now: number, command: SeedCommand): SeedRegistryOutput[] => {
    if (command.type === "mark-dead") removalRetries.started(now, command);
    return submitCommand(now, command);
  };

  const fromClient = (
    now: number,
    from: string,
    message: ClientMessage,
    fromKey: string | undefined,
  ) => clients.receive(now, { from, fromKey }, message, (command) => runCommand(now, command));

  const receive = (
    now: number,
    from: string,
    message: QuorumMessage,
    fromKey: string | undefined,
  ): SeedRegistryOutput[] => {
    if (from !== seedId) antiEntropy.start(now);
    switch (message.type) {
      case "quorum.prepare":
      case "quorum.accept": {
        if (!isSeed(from) || message.ballot.proposer !== from) return [];
        // Ballot 0 skips the prepare, which is safe only while one seed per key may use it.
        if (message.ballot.counter === 0 && owners(message.key) !== from) return [];
        const acceptorOutputs =
          message.type === "quorum.prepare" ? acceptor.prepare(message) : acceptor.accept(message);
        const outputs: SeedRegistryOutput[] = acceptorOutputs.map((output) =>
          output.type === "persist" ? output : { type: "send", to: from, message: output.message },
        );
        if (message.type === "quorum.accept") outputs.push(...antiEntropy.confirm(message.key));
        return outputs;
      }
      case "quorum.promise":
      case "quorum.accepted":
        return drive(now, proposer.receive(now, from, message));
      case "quorum.learn": {
        if (!isSeed(from)) return [];
        // A certificate (or this seed's own accept of that value) makes the learn proof;
        // else it is a hint, settled by a quorum read (a lying seed cannot plant a record).
        const proven = certifier.isSigning ? learns.receive(message) : undefined;
        if (proven !== undefined) return proven;
        return antiEntropy.onLearn(now, message);
      }
      case "quorum.list-response":
        // The answer to this seed's own version request (anti-entropy); others are ignored.
        return isSeed(from) ? antiEntropy.onVersions(now, from, message) : [];
      case "quorum.register-request":
      case "quorum.update-neighbours":
      case "quorum.dead-report":
      case "quorum.leave-request":
      case "quorum.get-request":
      case "quorum.list-request":
        return fromClient(now, from, message, fromKey);
      case "quorum.register-response":
      case "quorum.operation-response":
        return []; // answers meant for peers; a seed ignores them
      default:
        return assertNever(message, "quorum message");
    }
  };

  /** After a restart: quorum-read what the acceptor held uncommitted, a batch per tick. */
  const readUnconfirmed = (now: number): SeedRegistryOutput[] => {
    const outputs: SeedRegistryOutput[] = [];
    for (const key of restartReads.take()) {
      operationSequence += 1;
      outputs.push(
        ...submit(now, `${CATCH_UP}${key}${RESTART}${operationSequence}`, key, readChange),
      );
    }
    return outputs;
  };

  const tick = (now: number): SeedRegistryOutput[] => {
    const outputs = drive(now, proposer.tick(now));
    if (restartReads.isDue) outputs.push(...readUnconfirmed(now));
    for (const command of ownerFirst.due(now)) outputs.push(...proposeCommand(now, command));
    for (const command of removalRetries.due(now)) outputs.push(...submitCommand(now, command));
    const records = () => list().map((entry) => entry.record);
    for (const due of compaction.due(now, wallOffsetMs, records)) {
      outputs.push(...submit(now, due.operationId, due.key, due.change));
    }
    probeResults.expire(now);
    aliveVotes.expire(now);
    outputs.push(...antiEntropy.tick(now));
    return outputs;
  };

  return {
    config,
    step(input) {
      const now = guardTime(input.now);
      currentNow = now;
      if (input.wallTimeMs !== undefined) wallOffsetMs = input.wallTimeMs - now;
      switch (input.type) {
        case "receive":
          return receive(now, input.from, input.message, input.fromKey);
        case "tick":
          return tick(now);
        case "command":
          return runCommand(now, input.command);
        case "probe-result": {
          probeResults.record(now, {
            address: input.address,
            incarnation: input.incarnation,
            isAlive: input.isAlive,
            atMs: input.atMs,
          });
          if (input.isAlive) return [];
          // A removal refused for want of this probe is proposed again now.
          removalRetries.probeFailed(now, input.address);
          return removalRetries.due(now).flatMap((command) => submitCommand(now, command));
        }
        case "alive-vote":
          aliveVotes.record(now, {
            address: input.address,
            incarnation: input.incarnation,
            isAlive: true,
            atMs: input.atMs,
          });
          return [];
        default:
          return assertNever(input, "seed registry input");
      }
    },
    nextDeadline() {
      let next = proposer.nextDeadline();
      const restartReadsAt = restartReads.isDue ? currentNow : undefined;
      const retryAt = removalRetries.nextDeadline();
      for (const at of [
        ownerFirst.nextDeadline(),
        compaction.nextDeadline(),
        antiEntropy.nextDeadline(),
        restartReadsAt,
        retryAt,
      ]) {
        if (at !== undefined && (next === undefined || at < next)) next = at;
      }
      return next;
    },
    get: entryOf,
    list,
    acceptorState: (key) => acceptor.state(key),
    inspect() {
      const view = proposer.inspect();
      return {
        seedId,
        activeOperations: view.activeOperations,
        queuedOperations: view.queuedOperations,
        acceptorKeys: [...acceptor.keys()].length,
        highestCounterSeen: view.highestCounterSeen,
        fastPathKeys: view.fastPathKeys,
        pendingLearns: antiEntropy.pendingLearns,
        catchUpReads: antiEntropy.reads,
        nextSyncAt: antiEntropy.nextSyncAt,
        probeResults: probeResults.table.size,
      };
    },
  };
}
