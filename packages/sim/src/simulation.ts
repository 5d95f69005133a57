import type { Clock, RandomSource, SeededRandom, TimerHandle, Transport } from "@p2p/wire";
import { createSeededRandom, P2pError, parseConfig } from "@p2p/wire";
import { checkAddress } from "./argument-checks.js";
import {
  type Link,
  type SimulationConfig,
  type SimulationConfigInput,
  SimulationConfigSchema,
} from "./config.js";
import type { SimErrorCode } from "./errors.js";
import type { ScheduledEvent } from "./event-queue.js";
import { createFaultModel, type FaultControls } from "./faults.js";
import { createScheduler, type RunUntilIdleOptions, type RunUntilOptions } from "./scheduler.js";
import { TraceHash } from "./trace.js";
import { createTransportNetwork, type TransportNetwork } from "./transport.js";

/** Receives the messages sent to one node: `from` is the sender's address. */
export type MessageHandler<Message = unknown> = (from: string, message: Message) => void;

/** Why a message was not delivered. */
export type DropCause =
  /** Lost on the link (`lossRate`). */
  | "loss"
  /** The link was cut by a partition when the message was sent. */
  | "partition"
  /** The receiver crashed (or was down) between send and delivery. */
  | "crashed"
  /** The sender was down: a crashed node sends nothing. */
  | "sender-down"
  /** Nothing was registered at the destination address when the message arrived. */
  | "no-node";

/** Message-level counters. Invariant: sent + duplicated = delivered + dropped + in flight. */
export interface SimulationStats {
  /** `send` calls. */
  readonly sent: number;
  /** Handler invocations. */
  readonly delivered: number;
  /** Copies discarded, for any cause. */
  readonly dropped: number;
  /** Extra copies created by `duplicateRate`. */
  readonly duplicated: number;
  /** `dropped`, split by cause. */
  readonly droppedBy: Readonly<Record<DropCause, number>>;
}

/** A deterministic discrete-event network in virtual time. */
export interface Simulation<Message = unknown> extends FaultControls {
  /** The seed every random stream derives from. */
  readonly seed: number;
  /** The resolved, frozen configuration. */
  readonly config: SimulationConfig;
  /** The virtual clock: `now()` starts at 0 (ms); timers run as the simulation runs. */
  readonly clock: Clock;
  /** The current virtual time in ms. */
  now(): number;
  /** A deterministic random stream for `label`; the same label returns the same stream object. */
  random(label: string): RandomSource;

  /** Registers the handler of the node at `address`. Throws if one is already registered. */
  addNode(address: string, handler: MessageHandler<Message>): void;
  /** Unregisters a node; messages still in flight to it are dropped as "no-node". */
  removeNode(address: string): void;
  /** Sends `message`; it reaches `to`'s handler later, subject to the link and the faults in force. */
  send(from: string, to: string, message: Message): void;
  /**
   * A stream Transport (the `@p2p/wire` contract) owned by `owner`: a host ("10.0.0.1") or a
   * node address ("10.0.0.1:6000"). Crashing the owner or its host closes its connections.
   */
  transport(owner: string): Transport;
  /** A clock whose timers are dropped when the node at `address` (or its host) crashes. */
  clockFor(address: string): Clock;

  /** False when `address` or its host is crashed. */
  isUp(address: string): boolean;

  /** Runs the earliest pending event; false when there is none. */
  runNext(): boolean;
  /** Runs every event up to now + `durationMs`, then sets the clock there. */
  runFor(durationMs: number): void;
  /** Runs events until `predicate()` holds (true) or the timeout passes (false). */
  runUntil(predicate: () => boolean, options?: RunUntilOptions): boolean;
  /** Runs until no event is pending (true) or `maxTimeMs` passes (false). */
  runUntilIdle(options?: RunUntilIdleOptions): boolean;
  /**
   * Runs events one at a time, letting promise continuations run between them, until `promise`
   * settles; returns its outcome. Rejects with `SIMULATION_STUCK` when nothing is left to run, or
   * `SETTLE_TIMEOUT` after `timeoutMs` of virtual time. Use it for code built on promises
   * (the stream Transport): the synchronous runners give continuations no chance to run.
   */
  settle<T>(promise: Promise<T>, options?: RunUntilOptions): Promise<T>;
  /** Like {@link runFor}, letting promise continuations run between events. */
  runForAsync(durationMs: number): Promise<void>;
  /** The number of pending events. */
  readonly pending: number;

  /** A snapshot of the message-level counters. */
  readonly stats: SimulationStats;
  /** The hash of the event trace so far, as 16 hex digits: same seed and inputs → same hash. */
  traceHash(): string;
  /** The trace entries (only when `recordTrace` is on). */
  traceEntries(): readonly string[];
}

/** What the stream transport needs from the simulation core. */
export interface SimulationCore {
  readonly config: SimulationConfig;
  now(): number;
  schedule(time: number, run: () => void): ScheduledEvent;
  cancel(event: ScheduledEvent): void;
  trace(entry: string): void;
  identities(address: string): readonly string[];
  link(fromIds: readonly string[], toIds: readonly string[]): Link;
  /** latency + jitter, drawn from the network stream. */
  delay(link: Link): number;
  isCut(fromIds: readonly string[], toIds: readonly string[]): boolean;
  isUp(ids: readonly string[]): boolean;
  incarnation(ids: readonly string[]): number;
}

const DROP_CAUSES: readonly DropCause[] = [
  "loss",
  "partition",
  "crashed",
  "sender-down",
  "no-node",
];
const DROP_KINDS: Readonly<Record<DropCause, string>> = Object.fromEntries(
  DROP_CAUSES.map((cause) => [cause, `drop ${cause}`]),
) as Record<DropCause, string>;
const NETWORK_LABEL = "@p2p/sim network";

/**
 * Creates a deterministic simulated network. Everything random (latency jitter, loss,
 * duplication, reordering, and every `random(label)` stream) derives from `config.seed`, and
 * events at equal times run in scheduling order, so equal inputs replay exactly.
 */
export function createSimulation<Message = unknown>(
  input: SimulationConfigInput,
): Simulation<Message> {
  const config: SimulationConfig = parseConfig(SimulationConfigSchema, input, "simulation config");
  const defaultLink: Link = Object.freeze({ ...config.link });
  const scheduler = createScheduler(config.microtaskTurns);
  const trace = new TraceHash(config.recordTrace);
  const network: SeededRandom = createSeededRandom(config.seed, NETWORK_LABEL);
  const streams = new Map<string, SeededRandom>();
  const handlers = new Map<string, MessageHandler<Message>>();
  const counts = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  const droppedBy: Record<DropCause, number> = {
    loss: 0,
    partition: 0,
    crashed: 0,
    "sender-down": 0,
    "no-node": 0,
  };
  let messageCount = 0;
  let timerCount = 0;
  let transports: TransportNetwork | undefined;

  const { now, schedule } = scheduler;
  const faults = createFaultModel(defaultLink, network, trace, now, () => {
    transports?.faultsChanged();
  });
  const { identities, isUp: isUpIds, incarnation, link: linkFor, isCut, delay } = faults;

  const core: SimulationCore = {
    config,
    now,
    schedule,
    cancel: scheduler.cancel,
    trace: (entry) => trace.add(entry),
    identities,
    link: linkFor,
    delay,
    isCut,
    isUp: isUpIds,
    incarnation,
  };

  const drop = (cause: DropCause, id: number, from: string, to: string): void => {
    counts.dropped++;
    droppedBy[cause]++;
    trace.addEvent(DROP_KINDS[cause], now(), id, from, to);
  };

  /** With `inOrder` links: when the last message from one endpoint to another arrives. */
  const lastArrival = new Map<string, number>();

  const scheduleCopy = (
    link: Link,
    id: number,
    from: string,
    to: string,
    message: Message,
  ): void => {
    let time = now() + delay(link);
    if (link.reorderRate > 0 && network.next() < link.reorderRate) {
      const extraMs = link.reorderDelayMs ?? Math.max(1, link.latencyMs + link.jitterMs);
      time += network.next() * extraMs;
    }
    if (link.inOrder) {
      // Equal times run in scheduling order, so arriving at the previous one's time keeps order.
      const pair = `${from}\n${to}`;
      time = Math.max(time, lastArrival.get(pair) ?? 0);
      lastArrival.set(pair, time);
    }
    const toIds = identities(to);
    const expected = incarnation(toIds);
    // Never earlier than now: latency, jitter and reorder delay are non-negative.
    schedule(time, () => {
      if (!isUpIds(toIds) || incarnation(toIds) !== expected) {
        drop("crashed", id, from, to);
        return;
      }
      const handler = handlers.get(to);
      if (handler === undefined) {
        drop("no-node", id, from, to);
        return;
      }
      counts.delivered++;
      trace.addEvent("deliver", now(), id, from, to);
      handler(from, message);
    });
  };

  const makeTimer = (
    delayMs: number,
    callback: () => void,
    owner: string | undefined,
  ): TimerHandle => {
    const id = ++timerCount;
    const ownerIds = owner === undefined ? undefined : identities(owner);
    const expected = ownerIds === undefined ? 0 : incarnation(ownerIds);
    const wait = Number.isNaN(delayMs) ? 0 : Math.max(0, delayMs);
    const event = schedule(now() + wait, () => {
      if (ownerIds !== undefined && (!isUpIds(ownerIds) || incarnation(ownerIds) !== expected)) {
        trace.add(`timer-dropped ${now()} ${id} ${owner}`);
        return;
      }
      trace.add(`timer ${now()} ${id}`);
      callback();
    });
    return { cancel: () => scheduler.cancel(event) };
  };

  const clock: Clock = Object.freeze({
    now,
    setTimer: (delayMs: number, callback: () => void) => makeTimer(delayMs, callback, undefined),
  });

  return {
    seed: config.seed,
    config,
    clock,
    now,
    random(label) {
      let stream = streams.get(label);
      if (stream === undefined) {
        if (label === NETWORK_LABEL) {
          throw new P2pError<SimErrorCode>(
            "ARGUMENT_INVALID",
            `the random label ${JSON.stringify(label)} is reserved`,
          );
        }
        stream = createSeededRandom(config.seed, label);
        streams.set(label, stream);
      }
      return stream;
    },

    addNode(address, handler) {
      checkAddress("address", address);
      if (handlers.has(address)) {
        throw new P2pError<SimErrorCode>(
          "NODE_EXISTS",
          `a node is already registered at ${address}; removeNode it first`,
        );
      }
      handlers.set(address, handler);
      trace.add(`add ${now()} ${address}`);
    },
    removeNode(address) {
      handlers.delete(address);
      trace.add(`remove ${now()} ${address}`);
    },
    send(from, to, message) {
      const id = ++messageCount;
      counts.sent++;
      const fromIds = identities(from);
      if (!isUpIds(fromIds)) {
        drop("sender-down", id, from, to);
        return;
      }
      const toIds = identities(to);
      if (isCut(fromIds, toIds)) {
        drop("partition", id, from, to);
        return;
      }
      const link = linkFor(fromIds, toIds);
      if (link.lossRate > 0 && network.next() < link.lossRate) {
        drop("loss", id, from, to);
        return;
      }
      trace.addEvent("send", now(), id, from, to);
      scheduleCopy(link, id, from, to, message);
      if (link.duplicateRate > 0 && network.next() < link.duplicateRate) {
        counts.duplicated++;
        trace.addEvent("duplicate", now(), id, from, to);
        scheduleCopy(link, id, from, to, message);
      }
    },
    transport(owner) {
      checkAddress("owner", owner);
      transports ??= createTransportNetwork(core);
      return transports.transport(owner);
    },
    clockFor(address) {
      checkAddress("address", address);
      return Object.freeze({
        now,
        setTimer: (delayMs: number, callback: () => void) => makeTimer(delayMs, callback, address),
      });
    },

    setLink: faults.setLink,
    partition: faults.partition,
    heal: faults.heal,
    crash: faults.crash,
    restart: faults.restart,
    isUp: (address) => isUpIds(identities(address)),

    runNext: scheduler.runNext,
    runFor: scheduler.runFor,
    runUntil: scheduler.runUntil,
    runUntilIdle: scheduler.runUntilIdle,
    settle: scheduler.settle,
    runForAsync: scheduler.runForAsync,
    get pending() {
      return scheduler.pending;
    },

    get stats() {
      const byCause = {} as Record<DropCause, number>;
      for (const cause of DROP_CAUSES) byCause[cause] = droppedBy[cause];
      return Object.freeze({ ...counts, droppedBy: Object.freeze(byCause) });
    },
    traceHash: () => trace.hex(),
    traceEntries: () => trace.recorded(),
  };
}
