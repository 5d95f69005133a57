import { DeadEvidenceSchema, type MembershipView, validateDeadEvidence } from "@p2p/liveness";
import {
  createSeedRegistry,
  type MemberEntry,
  type MemberRecord,
  type QuorumMessage,
  type SeedRegistry,
  type SeedRegistryConfigInput,
  type SeedRegistryEvent,
  type SeedRegistryOutput,
  type Storage,
} from "@p2p/quorum";
import {
  type Clock,
  createMachineHost,
  err,
  type Listener,
  type Logger,
  type MachineHost,
  ok,
  P2pError,
  type RandomSource,
  type Result,
  type Transport,
} from "@p2p/wire";
import { createLinks, type LinkPeer, type Links } from "./links.js";

import { undirectedNeighbours } from "./membership-view.js";
import { createWireCodec, type WireMessage } from "./messages.js";
import { createNodeEvents, type NodeEvents } from "./node-events.js";

/** Everything a seed needs from its host. */
export interface SeedNodeOptions {
  /** This seed's address `ip:port`: its identity and where it listens. */
  readonly address: string;
  /** Every seed of the network (this one included), from config.yml: never assembled at start-up. */
  readonly seeds: readonly string[];
  readonly transport: Transport;
  readonly clock: Clock;
  /** Durable acceptor state (persist before send). */
  readonly storage: Storage;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Wall-clock milliseconds, for vote freshness (defaults to `clock.now`). */
  readonly wallClock?: () => number;
  /** Registry tuning (timeouts, tombstone retention, …). */
  readonly registry?: Partial<Omit<SeedRegistryConfigInput, "seedId" | "seeds">>;
  /** Votes older than this are stale (default 5 min). */
  readonly maxVoteAgeMs?: number;
  /** When a suspect has too few neighbours to vote, the seeds probe it this many times… */
  readonly seedProbeAttempts?: number;
  /** …this far apart. */
  readonly seedProbeIntervalMs?: number;
  /**
   * Anti-entropy: this often a seed compares versions with another seed and runs a quorum
   * read for every record where it lags (a lost learn message, a restart). Default 5 s.
   */
  readonly syncIntervalMs?: number;
}

/** Events a seed reports to its host (for logs and the screen). */
export type SeedNodeEvent =
  | SeedRegistryEvent
  | { readonly type: "dead-report-received"; readonly from: string; readonly address: string }
  | { readonly type: "seed-probe-finished"; readonly address: string; readonly isAlive: boolean };

/** A running seed: a quorum acceptor and proposer of the member directory, over a transport. */
export interface SeedNode {
  readonly address: string;
  /** Listens and starts serving. Resolves once the listener is bound. */
  start(): Promise<Listener>;
  /** Stops serving and closes every connection. */
  stop(): Promise<void>;
  /** This seed's local view of the directory (tombstones included), sorted by address. */
  members(): readonly MemberEntry[];
  /** The underlying registry (read-only use: inspect, acceptor state). */
  readonly registry: SeedRegistry;
  on: NodeEvents<SeedNodeEvent>["on"];
}

/** Request ids of anti-entropy list requests. */
const SYNC_PREFIX = "sync/";

/** A finished probe's outcome is reused for this long. */
const PROBE_REUSE_MS = 10_000;

interface SeedProbe {
  incarnation: number;
  startedAt: number;
  isAlive: boolean;
  isDone: boolean;
  /** Called once with the outcome when the probe finishes. */
  waiters: Array<(isAlive: boolean) => void>;
}

/**
 * Creates a seed. Loads acceptor state from `storage` first, so a restarted seed keeps every
 * promise and accepted value.
 */
export async function createSeedNode(options: SeedNodeOptions): Promise<SeedNode> {
  const { address, clock, logger, storage } = options;
  const wallClock = options.wallClock ?? (() => clock.now());
  const maxVoteAgeMs = options.maxVoteAgeMs ?? 5 * 60_000;
  const probeAttempts = options.seedProbeAttempts ?? 5;
  const probeIntervalMs = options.seedProbeIntervalMs ?? 200;
  const seeds = [...new Set(options.seeds)].sort();
  const events = createNodeEvents<SeedNodeEvent>();
  const probes = new Map<string, SeedProbe>();
  const initialState = await storage.loadAll();

  // The view the evidence validator checks votes against: this seed's local directory.
  /** The directory as the validator sees it for `suspect` (whose neighbours may be probed dead). */
  const view = (suspect: string): MembershipView => {
    const records = registry.list().map((entry) => entry.record);
    const byAddress = new Map(records.map((record) => [record.address, record]));
    return {
      neighboursOf: (member) => undirectedNeighbours(member, records),
      publicKeyOf: (member) => byAddress.get(member)?.publicKey,
      statusOf: (member) => {
        const record = byAddress.get(member);
        if (
          record !== undefined &&
          record.status === "alive" &&
          member !== suspect &&
          recentlyUnresponsive(member)
        ) {
          // this seed's own recent probe got no answer: it cannot vote, do not wait for it
          return { status: "dead", incarnation: record.incarnation };
        }
        return record === undefined
          ? undefined
          : {
              status: record.status === "alive" ? "alive" : "dead",
              incarnation: record.incarnation,
            };
      },
    };
  };

  const recentlyUnresponsive = (member: string): boolean => {
    const probe = probes.get(member);
    return (
      probe?.isDone === true && !probe.isAlive && clock.now() - probe.startedAt < PROBE_REUSE_MS
    );
  };

  const validateEvidence = (subject: MemberRecord, evidence: unknown): Result<void> => {
    const parsed = DeadEvidenceSchema.safeParse(evidence);
    if (!parsed.success) {
      return err(new P2pError("EVIDENCE_INVALID", "dead evidence does not match its schema"));
    }
    if (parsed.data.suspect !== subject.address) {
      return err(new P2pError("EVIDENCE_INVALID", "evidence names another suspect"));
    }
    const ownProbeFoundDead = (): boolean => {
      const probe = probes.get(subject.address);
      return probe?.isDone === true && !probe.isAlive && probe.incarnation === subject.incarnation;
    };
    if (parsed.data.votes.length === 0) {
      // Nobody is left to vote (every neighbour is gone): only this seed's own probe decides.
      const records = registry.list().map((entry) => entry.record);
      const isOrphan = undirectedNeighbours(subject.address, records).every(
        (neighbour) => records.find((record) => record.address === neighbour)?.status !== "alive",
      );
      if (isOrphan && ownProbeFoundDead()) return ok(undefined);
      return err(new P2pError("EVIDENCE_REJECTED", "no-votes: the report carries no votes"));
    }
    const verdict = validateDeadEvidence(parsed.data, view(subject.address), {
      nowMs: wallClock(),
      maxVoteAgeMs,
    });
    switch (verdict.verdict) {
      case "accept":
        return ok(undefined);
      case "needs-probe": {
        // Too few neighbours for a majority of two witnesses: this seed's own probe decides.
        if (ownProbeFoundDead()) return ok(undefined);
        return err(
          new P2pError("EVIDENCE_NEEDS_PROBE", "the seeds have not yet probed the suspect"),
        );
      }
      case "no-op":
        return err(new P2pError("EVIDENCE_NO_OP", verdict.detail));
      case "reject":
        return err(new P2pError("EVIDENCE_REJECTED", `${verdict.reason}: ${verdict.detail}`));
    }
  };

  const registry = createSeedRegistry(
    { ...options.registry, seedId: address, seeds },
    { random: options.random, validateEvidence, initialState },
  );

  const links: Links<WireMessage> = createLinks<WireMessage>({
    self: address,
    role: "seed",
    transport: options.transport,
    clock,
    codec: createWireCodec(),
    logger,
  });

  // Persist before send, with group commit: every persist is issued at once (so a durable
  // store can batch the writes of many operations into one synced transaction), and every
  // send or event waits until all the persists issued before it are durable.
  let durable: Promise<void> | undefined;
  const failed = (error: unknown): never => {
    logger.error("acceptor state could not be saved; stopping", { error: String(error) });
    void node.stop();
    throw error;
  };
  const deliver = (output: Exclude<SeedRegistryOutput, { type: "persist" }>): void => {
    if (output.type === "send") links.send(output.to, output.message);
    else onRegistryEvent(output.event);
  };
  const apply = (output: SeedRegistryOutput): void => {
    if (output.type === "persist") {
      const saving = storage.save(output.key, output.state);
      if (!(saving instanceof Promise)) return;
      const previous = durable ?? Promise.resolve();
      const current: Promise<void> = Promise.all([previous, saving.catch(failed)]).then(() => {
        if (durable === current) durable = undefined;
      });
      current.catch(() => {}); // after a failed save nothing more is sent; the seed stops
      durable = current;
      return;
    }
    if (durable === undefined) {
      deliver(output);
      return;
    }
    const previous = durable;
    const current: Promise<void> = previous.then(() => {
      deliver(output);
      if (durable === current) durable = undefined;
    });
    current.catch(() => {});
    durable = current;
  };

  const host: MachineHost<Parameters<SeedRegistry["step"]>[0]> = createMachineHost({
    clock,
    machine: registry,
    tick: (now) => ({ type: "tick", now }),
    apply,
  });

  const onRegistryEvent = (event: SeedRegistryEvent): void => {
    events.emit(event);
    if (event.type === "member-removed" || event.type === "member-left") {
      probeOrphansOf(event.record.address);
      // Tell the removed peer (a live one re-registers) and its neighbours (they drop it).
      const notice: WireMessage = {
        type: "node.member-removed",
        address: event.record.address,
        incarnation: event.record.incarnation,
      };
      const records = registry.list().map((entry) => entry.record);
      const targets = new Set([
        event.record.address,
        ...undirectedNeighbours(event.record.address, records),
      ]);
      for (const target of [...targets].sort()) {
        const status = records.find((record) => record.address === target)?.status;
        if (target === event.record.address || status === "alive") links.send(target, notice);
      }
    }
  };

  const finishProbe = (suspect: string, state: SeedProbe, isAlive: boolean): void => {
    state.isAlive = isAlive;
    state.isDone = true;
    events.emit({ type: "seed-probe-finished", address: suspect, isAlive });
    for (const waiter of state.waiters.splice(0)) waiter(isAlive);
  };

  /** Pings `suspect` up to `probeAttempts` times; `then` gets the outcome (a recent one is reused). */
  const probe = (suspect: string, incarnation: number, then?: (isAlive: boolean) => void): void => {
    const existing = probes.get(suspect);
    if (existing !== undefined && existing.incarnation === incarnation) {
      if (!existing.isDone) {
        if (then !== undefined) existing.waiters.push(then);
        return;
      }
      if (clock.now() - existing.startedAt < PROBE_REUSE_MS) {
        then?.(existing.isAlive);
        return;
      }
    }
    const state: SeedProbe = {
      incarnation,
      startedAt: clock.now(),
      isAlive: false,
      isDone: false,
      waiters: then === undefined ? [] : [then],
    };
    probes.set(suspect, state);
    let sent = 0;
    const next = (): void => {
      if (state.isDone || probes.get(suspect) !== state) return;
      if (sent >= probeAttempts) {
        finishProbe(suspect, state, false);
        return;
      }
      sent += 1;
      links.send(suspect, { type: "liveness.ping", sequence: sent, sentAtMs: clock.now() });
      clock.setTimer(probeIntervalMs, next);
    };
    next();
  };

  const onMessage = (from: LinkPeer, message: WireMessage): void => {
    const now = clock.now();
    switch (message.type) {
      case "liveness.pong": {
        const state = probes.get(from.address);
        if (state !== undefined && !state.isDone) finishProbe(from.address, state, true);
        return;
      }
      case "liveness.ping":
        links.send(from.address, {
          type: "liveness.pong",
          sequence: message.sequence,
          sentAtMs: message.sentAtMs,
          incarnation: 0,
          neighbours: [],
        });
        return;
      case "quorum.list-response":
        if (from.role === "seed" && message.requestId.startsWith(SYNC_PREFIX)) {
          catchUp(message.members);
        }
        return;
      case "node.seed-probe":
        if (from.role === "seed") probe(message.address, message.incarnation);
        return;
      case "quorum.dead-report":
        events.emit({ type: "dead-report-received", from: from.address, address: message.address });
        if (!needsSeedProbe(message.evidence)) {
          host.step({ type: "receive", now, from: from.address, message });
          return;
        }
        // Too few neighbours to vote: every seed probes the suspect, and the report goes to
        // the quorum only once this seed's own probe got no answer.
        probeSuspectAndSilentNeighbours(
          message.address,
          message.incarnation,
          message.evidence,
          () => host.step({ type: "receive", now: clock.now(), from: from.address, message }),
        );
        return;
      case "quorum.register-request":
      case "quorum.leave-request":
      case "quorum.update-neighbours":
        // A peer changes only its own record: the address must be the one its connection
        // introduced itself with.
        if (from.role !== "peer" || from.address !== message.address) {
          logger.warn(`refused ${message.type} for ${message.address} from ${from.address}`);
          links.send(from.address, {
            type:
              message.type === "quorum.register-request"
                ? "quorum.register-response"
                : "quorum.operation-response",
            requestId: message.requestId,
            ok: false,
            record: null,
            error: {
              code: "NOT_OWN_RECORD",
              message: `${from.address} may not change ${message.address}`,
            },
          });
          return;
        }
        host.step({ type: "receive", now, from: from.address, message });
        return;
      default:
        if (message.type.startsWith("quorum.")) {
          host.step({
            type: "receive",
            now,
            from: from.address,
            message: message as QuorumMessage,
          });
        }
    }
  };

  /** True when the evidence cannot carry a neighbour majority: the seeds must probe. */
  const needsSeedProbe = (evidence: unknown): boolean => {
    const parsed = DeadEvidenceSchema.safeParse(evidence);
    if (!parsed.success) return false;
    if (parsed.data.insufficientNeighbours) return true;
    const verdict = validateDeadEvidence(parsed.data, view(parsed.data.suspect), {
      nowMs: wallClock(),
      maxVoteAgeMs,
    });
    return verdict.verdict === "needs-probe";
  };

  /**
   * Asks every seed to probe `suspect` and probes it here; when this seed's probe got no
   * answer, runs `onDead` a probe interval later (so the other seeds' probes finish too).
   */
  const probeEverywhere = (
    suspect: string,
    incarnation: number,
    onDead?: () => void,
    onDone?: (isAlive: boolean) => void,
  ): void => {
    for (const seed of seeds) {
      if (seed !== address) {
        links.send(seed, { type: "node.seed-probe", address: suspect, incarnation });
      }
    }
    probe(suspect, incarnation, (isAlive) => {
      onDone?.(isAlive);
      if (!isAlive && onDead !== undefined) clock.setTimer(probeIntervalMs, onDead);
    });
  };

  /**
   * Probes the suspect and every live neighbour of it that did not vote (from every seed);
   * runs `onDead` once this seed's probes have all finished and the suspect did not answer.
   */
  const probeSuspectAndSilentNeighbours = (
    suspect: string,
    incarnation: number,
    evidence: unknown,
    onDead: () => void,
  ): void => {
    const parsed = DeadEvidenceSchema.safeParse(evidence);
    const voted = new Set(parsed.success ? parsed.data.votes.map((vote) => vote.voter) : []);
    const records = registry.list().map((entry) => entry.record);
    const statusOf = new Map(records.map((record) => [record.address, record]));
    const silent = undirectedNeighbours(suspect, records).filter(
      (member) => statusOf.get(member)?.status === "alive" && !voted.has(member),
    );
    let waiting = silent.length + 1;
    let isSuspectDead = false;
    const done = (): void => {
      waiting -= 1;
      if (waiting === 0 && isSuspectDead) clock.setTimer(probeIntervalMs, onDead);
    };
    for (const member of silent) {
      probeEverywhere(member, statusOf.get(member)?.incarnation ?? 0, undefined, done);
    }
    probeEverywhere(suspect, incarnation, undefined, (isAlive) => {
      isSuspectDead = !isAlive;
      done();
    });
  };

  /**
   * After a removal, a live member left with no live neighbour has nobody to notice its
   * death: the seeds probe it themselves and, when it does not answer, propose its removal
   * with zero votes — which each acceptor accepts only on its own failed probe.
   */
  const probeOrphansOf = (removed: string): void => {
    const records = registry.list().map((entry) => entry.record);
    const alive = new Set(records.filter((r) => r.status === "alive").map((r) => r.address));
    for (const member of undirectedNeighbours(removed, records)) {
      const record = records.find((candidate) => candidate.address === member);
      if (record === undefined || record.status !== "alive") continue;
      if (undirectedNeighbours(member, records).some((n) => alive.has(n))) continue;
      probeEverywhere(member, record.incarnation, () => {
        host.step({
          type: "command",
          now: clock.now(),
          command: {
            type: "mark-dead",
            operationId: `orphan:${address}:${member}:${record.incarnation}`,
            address: member,
            incarnation: record.incarnation,
            evidence: {
              suspect: member,
              incarnation: record.incarnation,
              reporter: address,
              votes: [],
              insufficientNeighbours: true,
            },
          },
        });
      });
    }
  };

  // Anti-entropy between seeds. A lagging record is learned through a quorum read (the
  // registry's "read" command), never copied from another seed's word.
  const syncIntervalMs = options.syncIntervalMs ?? 5_000;
  let syncTimer: { cancel(): void } | undefined;
  let syncSequence = 0;
  const reading = new Set<string>();
  const catchUp = (members: readonly MemberEntry[]): void => {
    for (const entry of members) {
      const key = entry.record.address;
      const mine = registry.get(key);
      if ((mine !== undefined && mine.version >= entry.version) || reading.has(key)) continue;
      reading.add(key);
      host.step({
        type: "command",
        now: clock.now(),
        command: {
          type: "read",
          operationId: `sync:${address}:${key}:${++syncSequence}`,
          address: key,
        },
      });
    }
  };
  const sync = (): void => {
    const others = seeds.filter((seed) => seed !== address);
    const other = others[Math.floor(options.random.next() * others.length)];
    if (other !== undefined) {
      links.send(other, {
        type: "quorum.list-request",
        requestId: `${SYNC_PREFIX}${++syncSequence}`,
      });
    }
    syncTimer = clock.setTimer(syncIntervalMs, sync);
  };
  events.on((event) => {
    if (event.type === "operation-completed" && event.operationId.startsWith("sync:")) {
      reading.delete(event.address);
    }
  });

  links.on("message", onMessage);

  const node: SeedNode = {
    address,
    registry,
    async start() {
      const listener = await links.listen();
      host.step({ type: "tick", now: clock.now() });
      if (seeds.length > 1) syncTimer = clock.setTimer(syncIntervalMs, sync);
      return listener;
    },
    async stop() {
      syncTimer?.cancel();
      host.stop();
      await links.close();
    },
    members: () => registry.list(),
    on: events.on,
  };
  return node;
}
