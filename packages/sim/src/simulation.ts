import type { Clock, RandomSource, SeededRandom, TimerHandle, Transport } from "@p2p/wire";
import { createSeededRandom, P2pError } from "@p2p/wire";
import { identitiesOf } from "./address.js";
import {
  type Link,
  type LinkInput,
  LinkSchema,
  parseConfig,
  type SimulationConfig,
  type SimulationConfigInput,
  SimulationConfigSchema,
} from "./config.js";
import type { SimErrorCode } from "./errors.js";
import { EventQueue, type ScheduledEvent } from "./event-queue.js";
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

/** Options of {@link Simulation.partition}. */
export interface PartitionOptions {
  /** Cut only traffic from group A to group B (B can still reach A). Default false. */
  readonly oneWay?: boolean;
}

/** A partition in force; `heal()` removes just this one. */
export interface PartitionHandle {
  heal(): void;
}

/** Options of {@link Simulation.runUntil}. */
export interface RunUntilOptions {
  /** Give up after this much virtual time (default 60,000 ms). */
  readonly timeoutMs?: number;
}

/** Options of {@link Simulation.runUntilIdle}. */
export interface RunUntilIdleOptions {
  /** Stop after this much virtual time even if events remain (default: no limit). */
  readonly maxTimeMs?: number;
}

/** A deterministic discrete-event network in virtual time. */
export interface Simulation<Message = unknown> {
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

  /** Overrides the link settings for one direction, `from` → `to` (addresses or hosts). */
  setLink(from: string, to: string, link: Partial<LinkInput>): void;
  /** Cuts traffic between two groups of addresses or hosts (both ways unless `oneWay`). */
  partition(
    groupA: readonly string[],
    groupB: readonly string[],
    options?: PartitionOptions,
  ): PartitionHandle;
  /** Removes every partition. */
  heal(): void;
  /** Crashes a node address or a whole host: inbound messages in flight are dropped, nothing is sent. */
  crash(address: string): void;
  /** Brings a crashed node or host back up (with its state as the caller rebuilds it). */
  restart(address: string): void;
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

interface Partition {
  readonly groupA: ReadonlySet<string>;
  readonly groupB: ReadonlySet<string>;
  readonly isOneWay: boolean;
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

function checkDuration(name: string, value: number): void {
  if (typeof value !== "number" || Number.isNaN(value) || value < 0) {
    throw new P2pError<SimErrorCode>(
      "ARGUMENT_INVALID",
      `${name} must be a non-negative number, got ${String(value)}`,
    );
  }
}

function checkAddress(name: string, value: string): void {
  if (typeof value !== "string" || value === "") {
    throw new P2pError<SimErrorCode>(
      "ARGUMENT_INVALID",
      `${name} must be a non-empty string, got ${String(value)}`,
    );
  }
}

/**
 * Creates a deterministic simulated network. Everything random (latency jitter, loss,
 * duplication, reordering, and every `random(label)` stream) derives from `config.seed`, and
 * events at equal times run in scheduling order, so equal inputs replay exactly.
 */
export function createSimulation<Message = unknown>(
  input: SimulationConfigInput,
): Simulation<Message> {
  const config: SimulationConfig = Object.freeze(parseConfig(SimulationConfigSchema, input));
  const defaultLink: Link = Object.freeze({ ...config.link });
  const queue = new EventQueue();
  const trace = new TraceHash(config.recordTrace);
  const network: SeededRandom = createSeededRandom(config.seed, NETWORK_LABEL);
  const streams = new Map<string, SeededRandom>();
  const handlers = new Map<string, MessageHandler<Message>>();
  const identityCache = new Map<string, readonly string[]>();
  const links = new Map<string, Link>();
  const partitions = new Set<Partition>();
  const down = new Set<string>();
  const epochs = new Map<string, number>();
  const counts = { sent: 0, delivered: 0, dropped: 0, duplicated: 0 };
  const droppedBy: Record<DropCause, number> = {
    loss: 0,
    partition: 0,
    crashed: 0,
    "sender-down": 0,
    "no-node": 0,
  };
  let now = 0;
  let messageCount = 0;
  let timerCount = 0;
  let isRunning = false;

  const identities = (address: string): readonly string[] => {
    let ids = identityCache.get(address);
    if (ids === undefined) {
      ids = identitiesOf(address);
      identityCache.set(address, ids);
    }
    return ids;
  };

  const isUpIds = (ids: readonly string[]): boolean => {
    if (down.size === 0) return true;
    for (const id of ids) if (down.has(id)) return false;
    return true;
  };

  const incarnation = (ids: readonly string[]): number => {
    if (epochs.size === 0) return 0;
    let sum = 0;
    for (const id of ids) sum += epochs.get(id) ?? 0;
    return sum;
  };

  const linkFor = (fromIds: readonly string[], toIds: readonly string[]): Link => {
    if (links.size === 0) return defaultLink;
    for (const from of fromIds) {
      for (const to of toIds) {
        const link = links.get(`${from}\u0000${to}`);
        if (link !== undefined) return link;
      }
    }
    return defaultLink;
  };

  const intersects = (group: ReadonlySet<string>, ids: readonly string[]): boolean => {
    for (const id of ids) if (group.has(id)) return true;
    return false;
  };

  const isCut = (fromIds: readonly string[], toIds: readonly string[]): boolean => {
    if (partitions.size === 0) return false;
    for (const partition of partitions) {
      if (intersects(partition.groupA, fromIds) && intersects(partition.groupB, toIds)) return true;
      if (
        !partition.isOneWay &&
        intersects(partition.groupB, fromIds) &&
        intersects(partition.groupA, toIds)
      ) {
        return true;
      }
    }
    return false;
  };

  const delay = (link: Link): number => {
    let total = link.latencyMs;
    if (link.jitterMs > 0) total += network.next() * link.jitterMs;
    return total;
  };

  const schedule = (time: number, run: () => void): ScheduledEvent =>
    queue.push(Math.max(time, now), run);

  const core: SimulationCore = {
    config,
    now: () => now,
    schedule,
    cancel: (event) => queue.cancel(event),
    trace: (entry) => trace.add(entry),
    identities,
    link: linkFor,
    delay,
    isCut,
    isUp: isUpIds,
    incarnation,
  };
  let transports: TransportNetwork | undefined;

  const drop = (cause: DropCause, id: number, from: string, to: string): void => {
    counts.dropped++;
    droppedBy[cause]++;
    trace.addEvent(DROP_KINDS[cause], now, id, from, to);
  };

  const scheduleCopy = (
    link: Link,
    id: number,
    from: string,
    to: string,
    message: Message,
  ): void => {
    let time = now + delay(link);
    if (link.reorderRate > 0 && network.next() < link.reorderRate) {
      const extraMs = link.reorderDelayMs ?? Math.max(1, link.latencyMs + link.jitterMs);
      time += network.next() * extraMs;
    }
    const toIds = identities(to);
    const expected = incarnation(toIds);
    queue.push(time, () => {
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
      trace.addEvent("deliver", now, id, from, to);
      handler(from, message);
    });
  };

  const runEvent = (event: ScheduledEvent): void => {
    now = event.time;
    event.run();
  };

  const guarded = <T>(name: string, body: () => T): T => {
    if (isRunning) {
      throw new P2pError<SimErrorCode>(
        "REENTRANT_CALL",
        `${name} was called from inside a simulation event; return and let the run continue`,
      );
    }
    isRunning = true;
    try {
      return body();
    } finally {
      isRunning = false;
    }
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
    const event = schedule(now + wait, () => {
      if (ownerIds !== undefined && (!isUpIds(ownerIds) || incarnation(ownerIds) !== expected)) {
        trace.add(`timer-dropped ${now} ${id} ${owner}`);
        return;
      }
      trace.add(`timer ${now} ${id}`);
      callback();
    });
    return { cancel: () => queue.cancel(event) };
  };

  const clock: Clock = Object.freeze({
    now: () => now,
    setTimer: (delayMs: number, callback: () => void) => makeTimer(delayMs, callback, undefined),
  });

  const flushMicrotasks = async (): Promise<void> => {
    for (let turn = 0; turn < config.microtaskTurns; turn++) await Promise.resolve();
  };

  const faultsChanged = (): void => {
    transports?.faultsChanged();
  };

  const simulation: Simulation<Message> = {
    seed: config.seed,
    config,
    clock,
    now: () => now,
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
      trace.add(`add ${now} ${address}`);
    },
    removeNode(address) {
      handlers.delete(address);
      trace.add(`remove ${now} ${address}`);
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
      trace.addEvent("send", now, id, from, to);
      scheduleCopy(link, id, from, to, message);
      if (link.duplicateRate > 0 && network.next() < link.duplicateRate) {
        counts.duplicated++;
        trace.addEvent("duplicate", now, id, from, to);
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
        now: () => now,
        setTimer: (delayMs: number, callback: () => void) => makeTimer(delayMs, callback, address),
      });
    },

    setLink(from, to, link) {
      checkAddress("from", from);
      checkAddress("to", to);
      const key = `${from}\u0000${to}`;
      const base = links.get(key) ?? defaultLink;
      const merged = parseConfig(LinkSchema, { ...base, ...link }, "link");
      links.set(key, Object.freeze(merged));
      trace.add(`link ${now} ${from} ${to} ${JSON.stringify(merged)}`);
    },
    partition(groupA, groupB, options = {}) {
      if (groupA.length === 0 || groupB.length === 0) {
        throw new P2pError<SimErrorCode>(
          "ARGUMENT_INVALID",
          "partition needs two non-empty groups",
        );
      }
      const setA = new Set(groupA);
      for (const member of groupB) {
        if (setA.has(member)) {
          throw new P2pError<SimErrorCode>(
            "ARGUMENT_INVALID",
            `${member} is in both partition groups`,
          );
        }
      }
      const partition: Partition = {
        groupA: setA,
        groupB: new Set(groupB),
        isOneWay: options.oneWay === true,
      };
      partitions.add(partition);
      trace.add(
        `partition ${now} ${[...setA].join(",")} ${[...partition.groupB].join(",")} ${partition.isOneWay}`,
      );
      faultsChanged();
      return {
        heal() {
          if (partitions.delete(partition)) {
            trace.add(`heal-one ${now}`);
            faultsChanged();
          }
        },
      };
    },
    heal() {
      partitions.clear();
      trace.add(`heal ${now}`);
      faultsChanged();
    },
    crash(address) {
      checkAddress("address", address);
      if (down.has(address)) return;
      down.add(address);
      epochs.set(address, (epochs.get(address) ?? 0) + 1);
      trace.add(`crash ${now} ${address}`);
      faultsChanged();
    },
    restart(address) {
      checkAddress("address", address);
      if (!down.delete(address)) return;
      epochs.set(address, (epochs.get(address) ?? 0) + 1);
      trace.add(`restart ${now} ${address}`);
      faultsChanged();
    },
    isUp: (address) => isUpIds(identities(address)),

    runNext() {
      return guarded("runNext", () => {
        const event = queue.pop();
        if (event === undefined) return false;
        runEvent(event);
        return true;
      });
    },
    runFor(durationMs) {
      checkDuration("durationMs", durationMs);
      guarded("runFor", () => {
        const end = now + durationMs;
        for (;;) {
          const next = queue.peek();
          if (next === undefined || next.time > end) break;
          runEvent(queue.pop() as ScheduledEvent);
        }
        now = end;
      });
    },
    runUntil(predicate, options = {}) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      checkDuration("timeoutMs", timeoutMs);
      return guarded("runUntil", () => {
        const end = now + timeoutMs;
        for (;;) {
          if (predicate()) return true;
          const next = queue.peek();
          if (next === undefined || next.time > end) {
            if (Number.isFinite(end)) now = end;
            return false;
          }
          runEvent(queue.pop() as ScheduledEvent);
        }
      });
    },
    runUntilIdle(options = {}) {
      const maxTimeMs = options.maxTimeMs ?? Number.POSITIVE_INFINITY;
      checkDuration("maxTimeMs", maxTimeMs);
      return guarded("runUntilIdle", () => {
        const end = now + maxTimeMs;
        for (;;) {
          const next = queue.peek();
          if (next === undefined) return true;
          if (next.time > end) {
            now = end;
            return false;
          }
          runEvent(queue.pop() as ScheduledEvent);
        }
      });
    },
    async settle(promise, options = {}) {
      const timeoutMs = options.timeoutMs ?? 60_000;
      checkDuration("timeoutMs", timeoutMs);
      let isSettled = false;
      const done = promise.then(
        (value) => {
          isSettled = true;
          return value;
        },
        (error: unknown) => {
          isSettled = true;
          throw error;
        },
      );
      done.catch(() => {});
      const end = now + timeoutMs;
      for (;;) {
        await flushMicrotasks();
        if (isSettled) return done;
        const next = queue.peek();
        if (next === undefined) {
          throw new P2pError<SimErrorCode>(
            "SIMULATION_STUCK",
            `the simulation is idle at ${now} ms but the promise has not settled`,
          );
        }
        if (next.time > end) {
          now = end;
          throw new P2pError<SimErrorCode>(
            "SETTLE_TIMEOUT",
            `the promise did not settle within ${timeoutMs} ms of virtual time`,
          );
        }
        simulation.runNext();
      }
    },
    async runForAsync(durationMs) {
      checkDuration("durationMs", durationMs);
      const end = now + durationMs;
      for (;;) {
        await flushMicrotasks();
        const next = queue.peek();
        if (next === undefined || next.time > end) break;
        simulation.runNext();
      }
      now = end;
    },
    get pending() {
      return queue.size;
    },

    get stats() {
      const byCause = {} as Record<DropCause, number>;
      for (const cause of DROP_CAUSES) byCause[cause] = droppedBy[cause];
      return Object.freeze({ ...counts, droppedBy: Object.freeze(byCause) });
    },
    traceHash: () => trace.hex(),
    traceEntries: () => trace.recorded(),
  };
  return simulation;
}
