import { assertNever, err, P2pError, type RandomSource, type Result } from "@p2p/wire";
import { z } from "zod";
import { createAcceptor } from "./acceptor.js";
import { type Ballot, compareBallots } from "./ballot.js";
import {
  compactChange,
  createMembershipValidator,
  type EvidenceValidator,
  isCompacted,
  leaveChange,
  markDeadChange,
  readChange,
  registerChange,
  updateNeighboursChange,
} from "./membership.js";
import type { LearnMessage, MemberEntry, MemberRecord, QuorumMessage } from "./messages.js";
import { type Change, createProposer, type ProposerOutput } from "./proposer.js";
import type { AcceptorState } from "./storage.js";

/**
 * Storage key under which a seed reserves ballot counters (never a peer address, which
 * always contains a colon).
 */
export const PROPOSER_RESERVATION_KEY = "~proposer";

const CATCH_UP = "catch-up:";

/** Configuration of a seed's registry. Every limit and interval lives here. */
export const SeedRegistryConfigSchema = z
  .object({
    /** This seed's id: its "ip:port" address. */
    seedId: z.string().min(1),
    /** Every seed (this one included); the acceptors of every key. */
    seeds: z.array(z.string().min(1)).min(1),
    /**
     * Accepts needed to commit. Defaults to a majority; anything smaller is unsafe and exists
     * only so tests can prove the linearizability checker catches it.
     */
    quorumSize: z.number().int().positive().optional(),
    /** A prepare or accept round without a quorum is retried after this long. */
    attemptTimeoutMs: z.number().positive().default(200),
    /** An operation that has not committed by then fails with NO_QUORUM. */
    operationTimeoutMs: z.number().positive().default(3_000),
    /**
     * Backoff after a conflict: random in [c/2, c] with c = min(max, base * 2^attempt). Set the
     * base to about one round trip between seeds.
     */
    backoffBaseMs: z.number().positive().default(20),
    backoffMaxMs: z.number().positive().default(400),
    /** Tombstones older than this are compacted to address + status + incarnation. */
    tombstoneRetentionMs: z
      .number()
      .positive()
      .default(24 * 60 * 60 * 1000),
    compactionIntervalMs: z.number().positive().default(60_000),
    /**
     * A learned value this seed did not accept itself is confirmed by a quorum read after
     * this long (a learn message alone is never trusted).
     */
    catchUpDelayMs: z.number().positive().default(1_000),
    maxNeighbours: z.number().int().positive().default(64),
    /** Operations (active + queued) beyond this are refused with BUSY. */
    maxPendingOperations: z.number().int().positive().default(10_000),
    /** Answers to client requests kept to answer duplicates. */
    maxRememberedRequests: z.number().int().positive().default(10_000),
    /** Ballot counters reserved per durable write. */
    reserveBlock: z.number().int().positive().default(1_000),
    /** Operation ids remembered per key, so a retried or duplicated request applies once. */
    operationMemory: z.number().int().positive().max(1024).default(32),
  })
  .superRefine((config, context) => {
    if (new Set(config.seeds).size !== config.seeds.length) {
      context.addIssue({ code: "custom", path: ["seeds"], message: "seeds must be unique" });
    }
    if (!config.seeds.includes(config.seedId)) {
      context.addIssue({ code: "custom", path: ["seedId"], message: "seedId must be in seeds" });
    }
    if (config.quorumSize !== undefined && config.quorumSize > config.seeds.length) {
      context.addIssue({
        code: "custom",
        path: ["quorumSize"],
        message: "quorumSize cannot exceed the number of seeds",
      });
    }
  });

/** Input form of {@link SeedRegistryConfigSchema} (defaults optional). */
export type SeedRegistryConfigInput = z.input<typeof SeedRegistryConfigSchema>;
/** The validated, frozen configuration. */
export type SeedRegistryConfig = Readonly<z.output<typeof SeedRegistryConfigSchema>> & {
  readonly quorumSize: number;
};

/** What a seed registry needs from its host. */
export interface SeedRegistryDeps {
  /** Backoff jitter. */
  readonly random: RandomSource;
  /** Checks the evidence of a removal (the liveness package provides it). */
  readonly validateEvidence: EvidenceValidator;
  /** The acceptor states loaded from {@link Storage} (empty for a new seed). */
  readonly initialState?: ReadonlyMap<string, AcceptorState>;
}

/** A local command: the seed itself proposes a change (results come back as events). */
export type SeedCommand =
  | {
      readonly type: "register";
      readonly operationId: string;
      readonly address: string;
      readonly publicKey?: string;
      readonly neighbours?: readonly string[];
    }
  | {
      readonly type: "update-neighbours";
      readonly operationId: string;
      readonly address: string;
      readonly neighbours: readonly string[];
    }
  | {
      readonly type: "mark-dead";
      readonly operationId: string;
      readonly address: string;
      readonly incarnation: number;
      readonly evidence: unknown;
    }
  | {
      readonly type: "leave";
      readonly operationId: string;
      readonly address: string;
      readonly incarnation: number;
    }
  /** A quorum read: the committed record of `address`. */
  | { readonly type: "read"; readonly operationId: string; readonly address: string };

/** An input of the seed registry. `now` never goes backwards. */
export type SeedRegistryInput =
  | {
      readonly type: "receive";
      readonly now: number;
      readonly from: string;
      readonly message: QuorumMessage;
    }
  | { readonly type: "tick"; readonly now: number }
  | { readonly type: "command"; readonly now: number; readonly command: SeedCommand };

/** Events for the host. */
export type SeedRegistryEvent =
  | {
      readonly type: "operation-completed";
      readonly operationId: string;
      readonly address: string;
      readonly result: Result<MemberRecord | undefined>;
    }
  | { readonly type: "member-registered"; readonly record: MemberRecord }
  | { readonly type: "member-updated"; readonly record: MemberRecord }
  | { readonly type: "member-removed"; readonly record: MemberRecord }
  | { readonly type: "member-left"; readonly record: MemberRecord };

/**
 * An output, to apply in order. A `persist` must be durable before any later `send` goes
 * out (persist before send).
 */
export type SeedRegistryOutput =
  | { readonly type: "send"; readonly to: string; readonly message: QuorumMessage }
  | { readonly type: "persist"; readonly key: string; readonly state: AcceptorState }
  | { readonly type: "emit"; readonly event: SeedRegistryEvent };

/** A read-only view of a seed registry. */
export interface SeedRegistryView {
  readonly seedId: string;
  readonly activeOperations: number;
  readonly queuedOperations: number;
  readonly acceptorKeys: number;
  readonly highestCounterSeen: number;
  readonly fastPathKeys: number;
}

/** The seed side of the registry: acceptor + proposer + client protocol, sans-IO. */
export interface SeedRegistry {
  readonly config: SeedRegistryConfig;
  step(input: SeedRegistryInput): readonly SeedRegistryOutput[];
  nextDeadline(): number | undefined;
  /** The local view: the latest committed record this seed knows for `address`. */
  get(address: string): MemberEntry | undefined;
  /** The local view of every record (tombstones included), sorted by address. */
  list(): readonly MemberEntry[];
  /** The acceptor's durable state of one key. */
  acceptorState(key: string): AcceptorState | undefined;
  inspect(): SeedRegistryView;
}

interface ClientRequest {
  readonly from: string;
  readonly requestId: string;
  readonly responseType: "quorum.register-response" | "quorum.operation-response";
}

const describeError = (error: P2pError) => ({ code: error.code, message: error.message });

/** Creates a seed's registry from its configuration and (restored) acceptor state. */
export function createSeedRegistry(
  configInput: SeedRegistryConfigInput,
  deps: SeedRegistryDeps,
): SeedRegistry {
  const parsed = SeedRegistryConfigSchema.safeParse(configInput);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new P2pError(
      "INVALID_CONFIG",
      `seed registry config: ${issue?.path.join(".") || "(root)"}: ${issue?.message ?? "invalid"}`,
    );
  }
  const seeds = [...parsed.data.seeds].sort();
  const config: SeedRegistryConfig = Object.freeze({
    ...parsed.data,
    seeds,
    quorumSize: parsed.data.quorumSize ?? Math.floor(seeds.length / 2) + 1,
  });
  const seedId = config.seedId;
  const isSeed = (address: string): boolean => seeds.includes(address);

  const initial = new Map(deps.initialState ?? []);
  const reservation = initial.get(PROPOSER_RESERVATION_KEY);
  initial.delete(PROPOSER_RESERVATION_KEY);
  let reservedCounter = reservation?.promised.counter ?? 0;
  const localView = new Map<string, { ballot: Ballot; value: MemberRecord | null }>();
  for (const [key, state] of initial) {
    reservedCounter = Math.max(reservedCounter, state.promised.counter);
    if (state.accepted !== null) {
      localView.set(key, { ballot: state.accepted.ballot, value: state.accepted.value });
    }
  }

  const acceptor = createAcceptor(
    createMembershipValidator(deps.validateEvidence, config),
    initial,
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
    },
    deps.random,
  );

  const clientRequests = new Map<string, ClientRequest>();
  const answered = new Map<string, QuorumMessage>();
  let nextCompactionAt: number | undefined;
  /** Keys with a catch-up quorum read in flight. */
  const catchingUp = new Set<string>();
  /** Learn messages not yet confirmed by this seed's own acceptor. */
  const pendingLearns = new Map<string, { message: LearnMessage; dueAt: number }>();
  let operationSequence = 0;

  const entryOf = (key: string): MemberEntry | undefined => {
    const known = localView.get(key);
    if (known === undefined || known.value === null) return undefined;
    return { record: known.value, version: known.ballot.counter };
  };

  const learn = (key: string, ballot: Ballot, value: MemberRecord | null): SeedRegistryOutput[] => {
    const known = localView.get(key);
    if (known !== undefined && compareBallots(known.ballot, ballot) >= 0) return [];
    localView.set(key, { ballot, value });
    const before = known?.value ?? undefined;
    if (value === null) return [];
    if (value.status === "dead" || value.status === "left") {
      if (before?.status === value.status && before.incarnation === value.incarnation) return [];
      if (nextCompactionAt === undefined)
        nextCompactionAt = value.changedAt + config.compactionIntervalMs;
      const type = value.status === "dead" ? "member-removed" : "member-left";
      return [{ type: "emit", event: { type, record: value } }];
    }
    if (
      before === undefined ||
      before.status !== "alive" ||
      before.incarnation !== value.incarnation
    ) {
      return [{ type: "emit", event: { type: "member-registered", record: value } }];
    }
    if (JSON.stringify(before) === JSON.stringify(value)) return [];
    return [{ type: "emit", event: { type: "member-updated", record: value } }];
  };

  const remember = (operationId: string, message: QuorumMessage): void => {
    answered.set(operationId, message);
    if (answered.size > config.maxRememberedRequests) {
      const oldest = answered.keys().next().value;
      if (oldest !== undefined) answered.delete(oldest);
    }
  };

  const complete = (
    output: Extract<ProposerOutput, { type: "completed" }>,
  ): SeedRegistryOutput[] => {
    const outputs: SeedRegistryOutput[] = [];
    const result = output.result;
    if (output.ballot !== undefined) {
      const finalValue = output.committed;
      outputs.push(...learn(output.key, output.ballot, finalValue));
      for (const to of seeds) {
        if (to === seedId) continue;
        outputs.push({
          type: "send",
          to,
          message: {
            type: "quorum.learn",
            key: output.key,
            ballot: output.ballot,
            value: finalValue,
          },
        });
      }
    }
    const client = clientRequests.get(output.operationId);
    if (client !== undefined) {
      clientRequests.delete(output.operationId);
      const record = result.ok ? (result.value ?? null) : null;
      const error = result.ok ? null : describeError(result.error);
      const message: QuorumMessage = {
        type: client.responseType,
        requestId: client.requestId,
        ok: result.ok,
        record,
        error,
      };
      remember(output.operationId, message);
      outputs.push({ type: "send", to: client.from, message });
    } else if (output.operationId.startsWith(CATCH_UP)) {
      catchingUp.delete(output.key);
    } else if (!output.operationId.startsWith("compact:")) {
      outputs.push({
        type: "emit",
        event: {
          type: "operation-completed",
          operationId: output.operationId,
          address: output.key,
          result,
        },
      });
    }
    return outputs;
  };

  /** Turns proposer outputs into registry outputs; messages to this seed are handled inline. */
  const drive = (now: number, proposerOutputs: ProposerOutput[]): SeedRegistryOutput[] => {
    const outputs: SeedRegistryOutput[] = [];
    const work = [...proposerOutputs];
    while (work.length > 0) {
      const output = work.shift() as ProposerOutput;
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

  const submit = (now: number, operationId: string, key: string, change: Change) => {
    const view = proposer.inspect();
    if (view.activeOperations + view.queuedOperations >= config.maxPendingOperations) {
      return complete({
        type: "completed",
        operationId,
        key,
        result: err(new P2pError("BUSY", `seed ${seedId} has too many pending operations`)),
        ballot: undefined,
        committed: null,
      });
    }
    return drive(now, proposer.submit(now, operationId, key, change));
  };

  const changeFor = (now: number, command: SeedCommand): Change => {
    switch (command.type) {
      case "register":
        return registerChange(
          command.address,
          { publicKey: command.publicKey, neighbours: command.neighbours },
          now,
        );
      case "update-neighbours":
        return updateNeighboursChange(command.address, command.neighbours, now);
      case "mark-dead":
        return markDeadChange(
          command.address,
          command.incarnation,
          command.evidence,
          deps.validateEvidence,
          now,
        );
      case "leave":
        return leaveChange(command.address, command.incarnation, now);
      case "read":
        return readChange;
      default:
        return assertNever(command, "seed command");
    }
  };

  const clientCommand = (
    now: number,
    from: string,
    requestId: string,
    responseType: ClientRequest["responseType"],
    command: SeedCommand,
  ): SeedRegistryOutput[] => {
    const operationId = command.operationId;
    const previous = answered.get(operationId);
    if (previous !== undefined) return [{ type: "send", to: from, message: previous }];
    if (clientRequests.has(operationId)) return []; // a duplicate of a request in flight
    clientRequests.set(operationId, { from, requestId, responseType });
    return submit(now, operationId, command.address, changeFor(now, command));
  };

  const receive = (now: number, from: string, message: QuorumMessage): SeedRegistryOutput[] => {
    const clientOperation = (requestId: string) => `client:${from}:${requestId}`;
    switch (message.type) {
      case "quorum.prepare":
      case "quorum.accept": {
        if (!isSeed(from) || message.ballot.proposer !== from) return [];
        const acceptorOutputs =
          message.type === "quorum.prepare" ? acceptor.prepare(message) : acceptor.accept(message);
        const outputs: SeedRegistryOutput[] = acceptorOutputs.map((output) =>
          output.type === "persist" ? output : { type: "send", to: from, message: output.message },
        );
        if (message.type === "quorum.accept") outputs.push(...confirmPending(message.key));
        return outputs;
      }
      case "quorum.promise":
      case "quorum.accepted":
        return drive(now, proposer.receive(now, from, message));
      case "quorum.learn":
        if (!isSeed(from)) return [];
        return onLearn(now, message);
      case "quorum.register-request":
        return clientCommand(now, from, message.requestId, "quorum.register-response", {
          type: "register",
          operationId: clientOperation(message.requestId),
          address: message.address,
          ...(message.publicKey === undefined ? {} : { publicKey: message.publicKey }),
          ...(message.neighbours === undefined ? {} : { neighbours: message.neighbours }),
        });
      case "quorum.update-neighbours":
        return clientCommand(now, from, message.requestId, "quorum.operation-response", {
          type: "update-neighbours",
          operationId: clientOperation(message.requestId),
          address: message.address,
          neighbours: message.neighbours,
        });
      case "quorum.dead-report":
        return clientCommand(now, from, message.requestId, "quorum.operation-response", {
          type: "mark-dead",
          operationId: clientOperation(message.requestId),
          address: message.address,
          incarnation: message.incarnation,
          evidence: message.evidence,
        });
      case "quorum.leave-request":
        return clientCommand(now, from, message.requestId, "quorum.operation-response", {
          type: "leave",
          operationId: clientOperation(message.requestId),
          address: message.address,
          incarnation: message.incarnation,
        });
      case "quorum.get-request":
        return clientCommand(now, from, message.requestId, "quorum.operation-response", {
          type: "read",
          operationId: clientOperation(message.requestId),
          address: message.address,
        });
      case "quorum.list-request":
        return [
          {
            type: "send",
            to: from,
            message: {
              type: "quorum.list-response",
              requestId: message.requestId,
              members: list(),
            },
          },
        ];
      case "quorum.register-response":
      case "quorum.list-response":
      case "quorum.operation-response":
        return []; // answers meant for peers; a seed ignores them
      default:
        return assertNever(message, "quorum message");
    }
  };

  /**
   * A learn message is a hint, not proof: it is applied only when this seed's own acceptor
   * accepted exactly that value at that ballot. Otherwise the seed catches up with a quorum
   * read, so a lying seed cannot plant a record in anyone's local view.
   */
  const onLearn = (now: number, message: LearnMessage): SeedRegistryOutput[] => {
    const known = localView.get(message.key);
    if (known !== undefined && compareBallots(known.ballot, message.ballot) >= 0) return [];
    if (acceptedExactly(message)) return learn(message.key, message.ballot, message.value);
    // Not (yet) accepted here — the accept may still be on its way. Check again when it
    // arrives; catch up with a quorum read if it has not come by the deadline.
    const pending = pendingLearns.get(message.key);
    if (pending === undefined || compareBallots(pending.message.ballot, message.ballot) < 0) {
      pendingLearns.set(message.key, {
        message,
        dueAt: pending?.dueAt ?? now + config.catchUpDelayMs,
      });
    }
    return [];
  };

  const acceptedExactly = (message: LearnMessage): boolean => {
    const accepted = acceptor.state(message.key)?.accepted;
    return (
      accepted !== undefined &&
      accepted !== null &&
      compareBallots(accepted.ballot, message.ballot) === 0 &&
      JSON.stringify(accepted.value) === JSON.stringify(message.value)
    );
  };

  /** After this seed's acceptor accepted something: apply a learn that waited for it. */
  const confirmPending = (key: string): SeedRegistryOutput[] => {
    const pending = pendingLearns.get(key);
    if (pending === undefined || !acceptedExactly(pending.message)) return [];
    pendingLearns.delete(key);
    return learn(key, pending.message.ballot, pending.message.value);
  };

  const catchUp = (now: number): SeedRegistryOutput[] => {
    const outputs: SeedRegistryOutput[] = [];
    for (const [key, pending] of [...pendingLearns].sort(([x], [y]) => (x < y ? -1 : 1))) {
      if (pending.dueAt > now) continue;
      pendingLearns.delete(key);
      const known = localView.get(key);
      if (known !== undefined && compareBallots(known.ballot, pending.message.ballot) >= 0)
        continue;
      if (catchingUp.has(key)) continue;
      catchingUp.add(key);
      operationSequence += 1;
      outputs.push(...submit(now, `${CATCH_UP}${key}:${operationSequence}`, key, readChange));
    }
    return outputs;
  };

  const compact = (now: number): SeedRegistryOutput[] => {
    nextCompactionAt = undefined;
    const olderThan = now - config.tombstoneRetentionMs;
    const outputs: SeedRegistryOutput[] = [];
    for (const [key, known] of [...localView].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const value = known.value;
      if (value === null || value.status === "alive" || isCompacted(value)) continue;
      if (value.changedAt <= olderThan) {
        operationSequence += 1;
        outputs.push(
          ...submit(now, `compact:${key}:${operationSequence}`, key, compactChange(key, olderThan)),
        );
      } else {
        const due = value.changedAt + config.tombstoneRetentionMs;
        if (nextCompactionAt === undefined || due < nextCompactionAt) nextCompactionAt = due;
      }
    }
    if (nextCompactionAt !== undefined) {
      nextCompactionAt = Math.max(nextCompactionAt, now + config.compactionIntervalMs);
    }
    return outputs;
  };

  const list = (): MemberEntry[] =>
    [...localView.keys()]
      .sort()
      .map(entryOf)
      .filter((entry): entry is MemberEntry => entry !== undefined);

  return {
    config,
    step(input) {
      switch (input.type) {
        case "receive":
          return receive(input.now, input.from, input.message);
        case "tick": {
          const outputs = drive(input.now, proposer.tick(input.now));
          if (nextCompactionAt !== undefined && input.now >= nextCompactionAt) {
            outputs.push(...compact(input.now));
          }
          outputs.push(...catchUp(input.now));
          return outputs;
        }
        case "command":
          return submit(
            input.now,
            input.command.operationId,
            input.command.address,
            changeFor(input.now, input.command),
          );
        default:
          return assertNever(input, "seed registry input");
      }
    },
    nextDeadline() {
      let next = proposer.nextDeadline();
      const consider = (at: number | undefined) => {
        if (at !== undefined && (next === undefined || at < next)) next = at;
      };
      consider(nextCompactionAt);
      for (const pending of pendingLearns.values()) consider(pending.dueAt);
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
      };
    },
  };
}
