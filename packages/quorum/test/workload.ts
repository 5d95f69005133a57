/** A randomized workload: concurrent clients, a fault-injecting nemesis, and the recorded history. */
import { type Cluster, createCluster, normalise, type Outcome, seedAddress } from "./cluster.js";
import {
  checkLinearizable,
  DEFAULT_BUDGET,
  type HistoryOperation,
  type SearchBudget,
} from "./linearizability.js";
import { type MemberOperation, membershipModel } from "./membership-model.js";
import { createProtocolMonitor } from "./monitors.js";
import { type Nemesis, startNemesis } from "./nemesis.js";
import { createOperationChooser, type OperationMix, pick, requestOf } from "./operations.js";

export interface WorkloadOptions {
  readonly seed: number;
  readonly seedCount: number;
  readonly clients: number;
  readonly operationsPerClient: number;
  readonly keys: number;
  readonly lossRate?: number;
  readonly duplicateRate?: number;
  readonly reorderRate?: number;
  /** Partition and heal the network at random (any groups of seeds and clients). */
  readonly partitions?: boolean;
  /** Crash and restart a minority of seeds at random (quick blinks and longer outages). */
  readonly crashes?: boolean;
  /** Chance that a seed crashes right after a save or a promise/accept answer (default 0.01). */
  readonly crashAfterOutputRate?: number;
  /** Mean time between two faults (ms, default 250). */
  readonly faultPauseMs?: number;
  /** Mean time a partition lasts (ms, default 400). */
  readonly partitionMs?: number;
  /** Longest simulated save (ms, default 30); 0: saves are durable on return. */
  readonly maxSaveDelayMs?: number;
  /**
   * How many times a client retries an operation that ended indeterminate (NO_QUORUM or no
   * answer), each time at another seed with the same request id (default 3); if it is still
   * unknown then, the client reads the key.
   */
  readonly retries?: number;
  /**
   * Also check the record a retried operation was answered with (as a read at the seed that
   * answered; default true).
   */
  readonly checkRetriedAnswers?: boolean;
  /** After the run (healed, every seed up): one quorum read of every key (default true). */
  readonly finalReads?: boolean;
  readonly mix?: Partial<OperationMix>;
  /** Deadline of one operation at its seed (default 2000 ms). */
  readonly operationTimeoutMs?: number;
  /** Deliberately unsafe quorum size (tests of the checker). */
  readonly quorumSize?: number;
  /** Seeds sign what they accept and check commit certificates. */
  readonly certificates?: boolean;
}

/** The fault settings of the simulation tests and the soak (3 keys, six clients). */
export const FAULTS = {
  clients: 6,
  operationsPerClient: 15,
  keys: 3,
  lossRate: 0.05,
  duplicateRate: 0.05,
  reorderRate: 0.1,
  partitions: true,
  crashes: true,
} satisfies Partial<WorkloadOptions>;

/** The same faults on one hot key written by ten clients. */
export const HOT_KEY = { ...FAULTS, clients: 10, operationsPerClient: 8, keys: 1 };

export interface WorkloadResult {
  readonly cluster: Cluster;
  readonly histories: ReadonlyMap<string, HistoryOperation<MemberOperation, Outcome>[]>;
  /** Client operations with a known outcome (answered at once, or after retries). */
  readonly answered: number;
  /** Client operations whose outcome stayed unknown (indeterminate). */
  readonly unknown: number;
  /** Client operations that committed. */
  readonly committed: number;
  /** Client operations that needed a retry, and how many of them a retry resolved. */
  readonly retried: number;
  readonly resolvedByRetry: number;
  /** Reads issued after an operation stayed unknown, and the final reads of every key. */
  readonly extraReads: number;
  readonly nemesis: Nemesis["stats"];
  /** What the protocol monitors saw go wrong (a ballot reused, a promise broken). */
  readonly brokenPromises: readonly string[];
}

const CLIENT_TIMEOUT_MARGIN_MS = 500;
/** Errors that say the operation may or may not have taken effect. */
const INDETERMINATE = new Set(["NO_QUORUM", "BUSY"]);

/** One request in flight: its attempts (seed → first send time) and the timer of the latest. */
interface Request {
  readonly requestId: string;
  readonly key: string;
  readonly operation: MemberOperation;
  readonly call: number;
  /** A client operation (counted), or a read the client added (not counted). */
  readonly isCounted: boolean;
  readonly attempts: Map<string, number>;
  retriesLeft: number;
  timer: { cancel(): void } | undefined;
}

/** Runs the workload to completion (every client done), then heals everything. */
export function runWorkload(options: WorkloadOptions): WorkloadResult {
  let nemesis: Nemesis | undefined;
  const monitor = createProtocolMonitor(
    Array.from({ length: options.seedCount }, (_, index) => seedAddress(index)),
  );
  const operationTimeoutMs = options.operationTimeoutMs ?? 2_000;
  const cluster = createCluster({
    seed: options.seed,
    seedCount: options.seedCount,
    link: {
      latencyMs: 5,
      jitterMs: 10,
      lossRate: options.lossRate ?? 0,
      duplicateRate: options.duplicateRate ?? 0,
      reorderRate: options.reorderRate ?? 0,
    },
    registry: {
      attemptTimeoutMs: 150,
      operationTimeoutMs,
      // Long enough that a retried operation finds its id (no double application).
      operationMemory: 256,
      // Sized for the workload: the cache is allocated whole at every (re)start.
      maxRememberedRequests: 512,
      ...(options.quorumSize === undefined ? {} : { quorumSize: options.quorumSize }),
    },
    maxSaveDelayMs: options.maxSaveDelayMs ?? 30,
    certificates: options.certificates === true,
    observer: {
      output: (address, output) => {
        nemesis?.observe(address, output);
        if (output.type === "send" && output.message.type === "quorum.learn") {
          const { key, ballot, value } = output.message;
          monitor.learned(key, ballot.counter, value);
        }
      },
      restarted: (address, registry) => monitor.restarted(address, registry.list()),
      delivered: (address, output) => monitor.delivered(address, output),
      crashed: (address) => monitor.crashed(address),
    },
  });
  const { sim } = cluster;
  const keys = Array.from({ length: options.keys }, (_, index) => `10.9.0.${index + 1}:7000`);
  const histories = new Map<string, HistoryOperation<MemberOperation, Outcome>[]>(
    keys.map((key) => [key, []]),
  );
  const chooseOperation = createOperationChooser(options.mix);
  const counts = { answered: 0, unknown: 0, committed: 0, retried: 0, resolvedByRetry: 0 };
  let extraReads = 0;
  let clientsDone = 0;
  const clientTimeoutMs = operationTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS;
  const retries = options.retries ?? 3;
  const clientAddresses = Array.from(
    { length: options.clients },
    (_, index) => `10.1.${Math.floor(index / 200)}.${(index % 200) + 1}:6000`,
  );
  const record = (key: string, operation: HistoryOperation<MemberOperation, Outcome>) =>
    histories.get(key)?.push(operation);

  for (const address of clientAddresses) {
    const random = sim.random(`client:${address}`);
    const incarnations = new Map<string, number>();
    let issued = 0;
    let reads = 0;
    let current: Request | undefined;

    const send = (request: Request, seed: string): void => {
      request.timer?.cancel();
      if (!request.attempts.has(seed)) request.attempts.set(seed, sim.now());
      request.timer = sim.clock.setTimer(clientTimeoutMs, () => indeterminate(request));
      sim.send(address, seed, requestOf(request.requestId, request.key, request.operation));
    };

    const start = (key: string, operation: MemberOperation, isCounted: boolean): void => {
      const requestId = isCounted ? `${address}#${issued}` : `${address}#read${reads}`;
      current = {
        requestId,
        key,
        operation,
        call: sim.now(),
        isCounted,
        attempts: new Map(),
        retriesLeft: retries,
        timer: undefined,
      };
      send(current, pick(random, cluster.seeds));
    };

    const next = (): void => {
      if (issued >= options.operationsPerClient) {
        clientsDone += 1;
        return;
      }
      issued += 1;
      const key = pick(random, keys);
      start(key, chooseOperation(random, incarnations.get(key) ?? 0), true);
    };

    const finish = (request: Request): void => {
      request.timer?.cancel();
      current = undefined;
      sim.clock.setTimer(random.next() * 20, next);
    };

    /** No answer yet, or NO_QUORUM: retry elsewhere, else give up and read the key. */
    const indeterminate = (request: Request): void => {
      if (current !== request) return;
      if (request.retriesLeft > 0 && request.isCounted) {
        if (request.retriesLeft === retries) counts.retried += 1;
        request.retriesLeft -= 1;
        const untried = cluster.seeds.filter((seed) => !request.attempts.has(seed));
        send(request, pick(random, untried.length > 0 ? untried : cluster.seeds));
        return;
      }
      record(request.key, {
        call: request.call,
        ret: Number.POSITIVE_INFINITY,
        input: request.operation,
        output: undefined,
      });
      request.timer?.cancel();
      current = undefined;
      if (!request.isCounted) {
        sim.clock.setTimer(random.next() * 20, next);
        return;
      }
      counts.unknown += 1;
      if (retries === 0) {
        sim.clock.setTimer(random.next() * 20, next);
        return;
      }
      reads += 1;
      extraReads += 1;
      start(request.key, { kind: "get" }, false);
    };

    const answered = (request: Request, from: string, outcome: Outcome): void => {
      const now = sim.now();
      if (request.isCounted) counts.answered += 1;
      if (request.retriesLeft === retries || request.operation.kind === "get") {
        record(request.key, {
          call: request.call,
          ret: now,
          input: request.operation,
          output: outcome,
        });
      } else {
        // Answered after a retry: the operation took effect once (the seeds dedupe it by
        // request id) somewhere in [call, now], or (an error) not at all. A success may carry
        // the record as the seed that answered found it, which only the strict mode checks.
        counts.resolvedByRetry += 1;
        const isError = !outcome.ok;
        record(request.key, {
          call: request.call,
          ret: now,
          input: request.operation,
          output: isError ? outcome : undefined,
        });
        if (!isError && options.checkRetriedAnswers !== false) {
          const askedAt = request.attempts.get(from) ?? request.call;
          record(request.key, { call: askedAt, ret: now, input: { kind: "get" }, output: outcome });
        }
      }
      finish(request);
    };

    cluster.addClient(address, (from, message) => {
      const request = current;
      if (
        request === undefined ||
        (message.type !== "quorum.register-response" &&
          message.type !== "quorum.operation-response") ||
        message.requestId !== request.requestId
      ) {
        return; // a duplicate or late answer
      }
      if (message.record !== null) incarnations.set(request.key, message.record.incarnation);
      if (message.ok) {
        if (request.isCounted) counts.committed += 1;
        answered(request, from, { ok: true, state: normalise(message.record) });
        return;
      }
      const code = message.error?.code ?? "UNKNOWN";
      if (INDETERMINATE.has(code)) {
        indeterminate(request);
        return;
      }
      if (code === "STALE_INCARNATION") {
        const match = /at incarnation (\d+)/.exec(message.error?.message ?? "");
        if (match !== null) incarnations.set(request.key, Number(match[1]));
      }
      answered(request, from, { ok: false, code });
    });
    sim.clock.setTimer(random.next() * 50, next);
  }

  nemesis = startNemesis(cluster, clientAddresses, {
    partitions: options.partitions === true,
    crashes: options.crashes === true,
    crashAfterOutputRate: options.crashAfterOutputRate ?? 0.01,
    pauseMs: options.faultPauseMs ?? 250,
    partitionMs: options.partitionMs ?? 400,
  });
  const finished = sim.runUntil(() => clientsDone >= options.clients, { timeoutMs: 600_000 });
  if (!finished) {
    throw new Error(`workload did not finish: ${clientsDone}/${options.clients} clients`);
  }
  nemesis.finish();
  if (options.finalReads !== false) extraReads += readEveryKey(cluster, keys, record);
  return {
    cluster,
    histories,
    ...counts,
    extraReads,
    nemesis: nemesis.stats,
    brokenPromises: monitor.violations,
  };
}

/** With every seed up and the network healed: one quorum read of every key, recorded. */
function readEveryKey(
  cluster: Cluster,
  keys: readonly string[],
  record: (key: string, operation: HistoryOperation<MemberOperation, Outcome>) => void,
): number {
  const { sim } = cluster;
  const auditor = "10.2.0.1:6000";
  const random = sim.random("auditor");
  const waiting = new Map<string, { key: string; call: number }>();
  cluster.addClient(auditor, (_from, message) => {
    if (message.type !== "quorum.operation-response") return;
    const request = waiting.get(message.requestId);
    if (request === undefined) return;
    waiting.delete(message.requestId);
    if (!message.ok) return; // a read that failed tells nothing
    const output: Outcome = { ok: true, state: normalise(message.record) };
    record(request.key, { call: request.call, ret: sim.now(), input: { kind: "get" }, output });
  });
  sim.runFor(1_000); // let the restarted seeds settle
  for (const key of keys) {
    const requestId = `final:${key}`;
    waiting.set(requestId, { key, call: sim.now() });
    sim.send(auditor, pick(random, cluster.seeds), {
      type: "quorum.get-request",
      requestId,
      address: key,
    });
  }
  sim.runUntil(() => waiting.size === 0, { timeoutMs: 10_000 });
  return keys.length;
}

/** The `key` of a violation the protocol monitors found (not a key's history). */
export const PROTOCOL_MONITOR = "(protocol monitor)";

/** The verdict over every key: the first violation, and how many keys the budget left undecided. */
export interface HistoriesVerdict {
  readonly violation: { readonly key: string; readonly reason: string } | undefined;
  readonly undecided: number;
  readonly steps: number;
}

/** Checks the protocol monitors, then every key's history (each within `budget`). */
export function checkHistories(
  result: WorkloadResult,
  budget: SearchBudget = DEFAULT_BUDGET,
): HistoriesVerdict {
  let undecided = 0;
  let steps = 0;
  const broken = result.brokenPromises[0];
  if (broken !== undefined) {
    return { violation: { key: PROTOCOL_MONITOR, reason: broken }, undecided, steps };
  }
  for (const [key, history] of [...result.histories].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // An unanswered read has no effect and constrains nothing: leave it out of the search.
    const relevant = history.filter(
      (operation) => !(operation.output === undefined && operation.input.kind === "get"),
    );
    const verdict = checkLinearizable(membershipModel(key), relevant, budget);
    steps += verdict.steps;
    if (verdict.ok === "undecided") undecided += 1;
    else if (!verdict.ok) return { violation: { key, reason: verdict.reason }, undecided, steps };
  }
  return { violation: undefined, undecided, steps };
}
