/** A randomized workload: concurrent clients, a fault-injecting nemesis, and the recorded history. */
import { type RandomSource, randomInt } from "@p2p/wire";
import type { MemberRecord, QuorumMessage } from "../src/index.js";
import { type Cluster, createCluster, normalise, type Outcome } from "./cluster.js";
import { checkLinearizable, type HistoryOperation } from "./linearizability.js";
import { type MemberOperation, membershipModel } from "./membership-model.js";

export interface WorkloadOptions {
  readonly seed: number;
  readonly seedCount: number;
  readonly clients: number;
  readonly operationsPerClient: number;
  readonly keys: number;
  readonly lossRate?: number;
  readonly duplicateRate?: number;
  readonly reorderRate?: number;
  /** Partition and heal the network at random. */
  readonly partitions?: boolean;
  /** Crash and restart a minority of seeds at random. */
  readonly crashes?: boolean;
  /** Deadline of one operation at its seed (default 2000 ms). */
  readonly operationTimeoutMs?: number;
  /** Deliberately unsafe quorum size (tests of the checker). */
  readonly quorumSize?: number;
}

export interface WorkloadResult {
  readonly cluster: Cluster;
  readonly histories: ReadonlyMap<string, HistoryOperation<MemberOperation, Outcome>[]>;
  readonly answered: number;
  readonly unknown: number;
  readonly committed: number;
}

const NEIGHBOUR_POOL = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000", "10.8.0.4:7000"];
const CLIENT_TIMEOUT_MARGIN_MS = 3_000;
/** Errors that say the operation may or may not have taken effect. */
const INDETERMINATE = new Set(["NO_QUORUM"]);

const pick = <T>(random: RandomSource, items: readonly T[]): T =>
  items[randomInt(random, items.length)] as T;

const subset = (random: RandomSource, items: readonly string[]): string[] =>
  items.filter(() => random.next() < 0.5);

/** Runs the workload to completion (every client done), then heals everything. */
export function runWorkload(options: WorkloadOptions): WorkloadResult {
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
      attemptTimeoutMs: 100,
      operationTimeoutMs: options.operationTimeoutMs ?? 2_000,
      ...(options.quorumSize === undefined ? {} : { quorumSize: options.quorumSize }),
    },
  });
  const { sim } = cluster;
  const keys = Array.from({ length: options.keys }, (_, index) => `10.9.0.${index + 1}:7000`);
  const histories = new Map<string, HistoryOperation<MemberOperation, Outcome>[]>(
    keys.map((key) => [key, []]),
  );
  let answered = 0;
  let unknown = 0;
  let committed = 0;
  let clientsDone = 0;
  const clientTimeoutMs = (options.operationTimeoutMs ?? 2_000) + CLIENT_TIMEOUT_MARGIN_MS;

  for (let clientIndex = 0; clientIndex < options.clients; clientIndex++) {
    const address = `10.1.${Math.floor(clientIndex / 200)}.${(clientIndex % 200) + 1}:6000`;
    const random = sim.random(`client:${address}`);
    const incarnations = new Map<string, number>();
    let issued = 0;
    let inFlight:
      | {
          requestId: string;
          key: string;
          operation: MemberOperation;
          call: number;
          timer: { cancel(): void };
        }
      | undefined;

    const record = (output: Outcome | undefined, ret: number) => {
      if (inFlight === undefined) return;
      inFlight.timer.cancel();
      const history = histories.get(inFlight.key);
      history?.push({ call: inFlight.call, ret, input: inFlight.operation, output });
      if (output === undefined) unknown += 1;
      else answered += 1;
      inFlight = undefined;
      sim.clock.setTimer(random.next() * 20, next);
    };

    const next = (): void => {
      if (issued >= options.operationsPerClient) {
        clientsDone += 1;
        return;
      }
      issued += 1;
      const key = pick(random, keys);
      const incarnation = incarnations.get(key) ?? 0;
      const roll = random.next();
      const operation: MemberOperation =
        roll < 0.3
          ? { kind: "register", neighbours: subset(random, NEIGHBOUR_POOL) }
          : roll < 0.45
            ? { kind: "update-neighbours", neighbours: subset(random, NEIGHBOUR_POOL) }
            : roll < 0.6
              ? { kind: "mark-dead", incarnation, voters: subset(random, NEIGHBOUR_POOL) }
              : roll < 0.7
                ? { kind: "leave", incarnation }
                : { kind: "get" };
      const requestId = `${address}#${issued}`;
      const seed = pick(random, cluster.seeds);
      const message: QuorumMessage =
        operation.kind === "register"
          ? {
              type: "quorum.register-request",
              requestId,
              address: key,
              neighbours: [...operation.neighbours],
            }
          : operation.kind === "update-neighbours"
            ? {
                type: "quorum.update-neighbours",
                requestId,
                address: key,
                neighbours: [...operation.neighbours],
              }
            : operation.kind === "mark-dead"
              ? {
                  type: "quorum.dead-report",
                  requestId,
                  address: key,
                  incarnation: operation.incarnation,
                  evidence: { voters: [...operation.voters] },
                }
              : operation.kind === "leave"
                ? {
                    type: "quorum.leave-request",
                    requestId,
                    address: key,
                    incarnation: operation.incarnation,
                  }
                : { type: "quorum.get-request", requestId, address: key };
      const timer = sim.clock.setTimer(clientTimeoutMs, () =>
        record(undefined, Number.POSITIVE_INFINITY),
      );
      inFlight = { requestId, key, operation, call: sim.now(), timer };
      sim.send(address, seed, message);
    };

    cluster.addClient(address, (_from, message) => {
      if (
        inFlight === undefined ||
        (message.type !== "quorum.register-response" &&
          message.type !== "quorum.operation-response") ||
        message.requestId !== inFlight.requestId
      ) {
        return; // a duplicate or late answer
      }
      const key = inFlight.key;
      const remember = (value: MemberRecord | null) => {
        if (value !== null) incarnations.set(key, value.incarnation);
      };
      remember(message.record);
      if (message.ok) {
        committed += 1;
        record({ ok: true, state: normalise(message.record) }, sim.now());
      } else if (message.error !== null && INDETERMINATE.has(message.error.code)) {
        record(undefined, Number.POSITIVE_INFINITY);
      } else if (message.error?.code === "BUSY") {
        if (inFlight !== undefined) inFlight.timer.cancel();
        inFlight = undefined;
        sim.clock.setTimer(random.next() * 20, next);
      } else {
        if (message.error?.code === "STALE_INCARNATION") {
          const match = /at incarnation (\d+)/.exec(message.error.message);
          if (match !== null) incarnations.set(key, Number(match[1]));
        }
        record({ ok: false, code: message.error?.code ?? "UNKNOWN" }, sim.now());
      }
    });
    sim.clock.setTimer(random.next() * 50, next);
  }

  // The nemesis: every 200–600 ms, one fault or one repair.
  const nemesis = sim.random("nemesis");
  const minority = Math.floor((options.seedCount - 1) / 2);
  const crashed = new Set<string>();
  const hasFaults = options.partitions === true || options.crashes === true;
  const act = (): void => {
    if (clientsDone >= options.clients) return;
    const roll = nemesis.next();
    if (options.partitions === true && roll < 0.35) {
      const shuffledSeeds = [...cluster.seeds].sort(() => 0).filter(() => true);
      const cut = 1 + randomInt(nemesis, shuffledSeeds.length - 1);
      const start = randomInt(nemesis, shuffledSeeds.length);
      const rotated = shuffledSeeds.slice(start).concat(shuffledSeeds.slice(0, start));
      sim.partition(rotated.slice(0, cut), rotated.slice(cut), { oneWay: nemesis.next() < 0.2 });
    } else if (options.partitions === true && roll < 0.6) {
      sim.heal();
    } else if (options.crashes === true && roll < 0.8 && crashed.size < minority) {
      const candidates = cluster.seeds.filter((seed) => !crashed.has(seed));
      const victim = pick(nemesis, candidates);
      crashed.add(victim);
      cluster.crash(victim);
    } else if (crashed.size > 0) {
      const back = pick(nemesis, [...crashed].sort());
      crashed.delete(back);
      cluster.restart(back);
    }
    sim.clock.setTimer(200 + nemesis.next() * 400, act);
  };
  if (hasFaults) sim.clock.setTimer(100, act);

  const finished = sim.runUntil(() => clientsDone >= options.clients, { timeoutMs: 600_000 });
  if (!finished)
    throw new Error(`workload did not finish: ${clientsDone}/${options.clients} clients`);
  sim.heal();
  for (const address of [...crashed].sort()) cluster.restart(address);
  return { cluster, histories, answered, unknown, committed };
}

/** Checks every key's history; returns the first violation. */
export function checkHistories(
  result: WorkloadResult,
): { key: string; reason: string } | undefined {
  for (const [key, history] of [...result.histories].sort(([a], [b]) => (a < b ? -1 : 1))) {
    // An unanswered read has no effect and constrains nothing: leave it out of the search.
    const relevant = history.filter(
      (operation) => !(operation.output === undefined && operation.input.kind === "get"),
    );
    const verdict = checkLinearizable(membershipModel(key), relevant);
    if (!verdict.ok) return { key, reason: verdict.reason };
  }
  return undefined;
}
