import { createGossip, type GossipOutput } from "@p2p/gossip";
import {
  createLiveness,
  type DeadEvidence,
  keyPairFromSeed,
  type LivenessOutput,
  livenessProfiles,
} from "@p2p/liveness";
import type { MemberEntry, MemberRecord } from "@p2p/quorum";
import { chooseNeighbours } from "@p2p/topology";
import {
  type Clock,
  createMachineHost,
  type Listener,
  type Logger,
  P2pError,
  type RandomSource,
  shuffled,
  type Transport,
} from "@p2p/wire";
import type { TimingProfile } from "./config/timing.js";
import { createLinks, type Links } from "./links.js";

import { degreesOf, undirectedNeighbours } from "./membership-view.js";
import { createWireCodec, type WireMessage } from "./messages.js";
import { createNodeEvents, type NodeEvents } from "./node-events.js";

/** Everything a peer needs from its host. */
export interface PeerNodeOptions {
  /** This peer's address `ip:port`: its identity and where it listens. */
  readonly address: string;
  /** The seeds (from config.txt or config.yml). */
  readonly seeds: readonly string[];
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Gossip and liveness timing (`timingProfiles.default` or `.fast`, with overrides). */
  readonly timing: TimingProfile;
  /** Wall-clock milliseconds for message timestamps and votes (defaults to `clock.now`). */
  readonly wallClock?: () => number;
  /** Neighbours a joining peer picks by preferential attachment (default 2). */
  readonly neighbourCount?: number;
  /** This peer's Ed25519 secret key (hex); generated from `random` when absent. Keep it across restarts. */
  readonly secretKey?: string;
  /** How long one request to a seed may take (default 5 s, above the seeds' quorum timeout). */
  readonly seedRequestTimeoutMs?: number;
  /**
   * When registration is refused (no majority of seeds), try again after this long instead of
   * failing `start()`; each refusal is reported as a `registration-refused` event.
   */
  readonly registrationRetryMs?: number;
}

/** What a peer reports to its host (the app prints these and writes outputfile.txt). */
export type PeerNodeEvent =
  | { readonly type: "registration-refused"; readonly message: string; readonly retryInMs: number }
  | {
      readonly type: "registered";
      readonly record: MemberRecord;
      readonly seeds: readonly string[];
    }
  | {
      readonly type: "peer-list";
      readonly members: readonly string[];
      readonly seeds: readonly string[];
    }
  | { readonly type: "neighbours-changed"; readonly neighbours: readonly string[] }
  | {
      readonly type: "message-delivered";
      readonly id: string;
      readonly origin: string;
      /** The neighbour (peer address) the first copy came from. */
      readonly from: string;
      readonly text: string;
      readonly hops: number;
    }
  | { readonly type: "message-published"; readonly id: string; readonly text: string }
  | { readonly type: "peer-suspected"; readonly suspect: string }
  | { readonly type: "suspicion-cleared"; readonly suspect: string; readonly by: string }
  /** `line` is `Dead Node:<ip>:<port>:<timestamp>:<reporter ip>`. */
  | { readonly type: "dead-reported"; readonly suspect: string; readonly line: string }
  | { readonly type: "member-removed"; readonly address: string }
  | { readonly type: "rejoined"; readonly incarnation: number }
  | { readonly type: "left" };

/** A running peer. */
export interface PeerNode {
  readonly address: string;
  /** The Ed25519 public key (hex) registered with the seeds. */
  readonly publicKey: string;
  /**
   * Listens, registers with a majority of seeds, fetches their peer lists, picks and connects
   * neighbours, then starts gossip and liveness. Rejects with `REGISTRATION_FAILED` (a clear
   * message naming what answered) when no majority of seeds commits the registration.
   */
  start(): Promise<Listener>;
  /** Publishes an application payload to the whole overlay. */
  publish(payload: Uint8Array): void;
  /** Current neighbours, sorted. */
  neighbours(): readonly string[];
  /** Graceful leave: deregistered by the seeds' quorum, then stopped. */
  leave(): Promise<void>;
  /** Stops at once (no deregistration). */
  stop(): Promise<void>;
  inspect(): PeerNodeView;
  on: NodeEvents<PeerNodeEvent>["on"];
}

/** A read-only view of a peer, for tests and metrics. */
export interface PeerNodeView {
  readonly address: string;
  readonly incarnation: number;
  readonly neighbours: readonly string[];
  readonly gossip: ReturnType<ReturnType<typeof createGossip>["inspect"]>;
  readonly liveness: ReturnType<ReturnType<typeof createLiveness>["inspect"]>;
}

type SeedResponse = Extract<
  WireMessage,
  { type: "quorum.register-response" | "quorum.operation-response" | "quorum.list-response" }
>;

const decoder = new TextDecoder();

/** Creates a peer (not yet started). */
export function createPeerNode(options: PeerNodeOptions): PeerNode {
  const { address, clock, logger, random, timing } = options;
  const seeds = [...new Set(options.seeds)].sort();
  const majority = Math.floor(seeds.length / 2) + 1;
  const wallClock = options.wallClock ?? (() => clock.now());
  const neighbourCount = options.neighbourCount ?? 2;
  const requestTimeoutMs = options.seedRequestTimeoutMs ?? 5_000;
  const keys =
    options.secretKey === undefined
      ? keyPairFromSeed(Uint8Array.from({ length: 32 }, () => Math.floor(random.next() * 256)))
      : keyPairFromSeed(hexToBytes(options.secretKey));
  const events = createNodeEvents<PeerNodeEvent>();
  const neighbourSet = new Set<string>();
  const earlyNeighbours = new Set<string>();
  const pending = new Map<string, (message: SeedResponse) => void>();
  let incarnation = 0;
  let requestSequence = 0;
  let isStopped = false;
  let isStarted = false;
  let neighbourUpdate: { cancel(): void } | undefined;

  const links: Links<WireMessage> = createLinks<WireMessage>({
    self: address,
    role: "peer",
    transport: options.transport,
    clock,
    codec: createWireCodec(),
    logger,
  });

  const gossip = createGossip(
    {
      self: address,
      generator: { intervalMs: timing.gossipIntervalMs, count: timing.gossipMessageCount },
    },
    { random },
  );
  const profile = timing.name === "fast" ? livenessProfiles.fast : livenessProfiles.standard;
  const liveness = createLiveness(
    {
      ...profile,
      self: address,
      secretKey: keys.secretKey,
      pingIntervalMs: timing.pingIntervalMs,
      pingTimeoutMs: timing.pingTimeoutMs,
      missesBeforeSuspect: timing.pingMisses,
    },
    { random },
  );

  const gossipHost = createMachineHost({
    clock,
    machine: gossip,
    tick: (now) => ({ type: "tick" as const, now, wallTimeMs: wallClock() }),
    apply: (output: GossipOutput) => {
      if (output.type === "send") {
        links.send(output.to, output.message);
        return;
      }
      const event = output.event;
      if (event.type === "message-delivered") {
        events.emit({
          type: "message-delivered",
          id: event.id,
          origin: event.origin,
          from: event.from,
          text: decoder.decode(event.payload),
          hops: event.hops,
        });
      } else if (event.type === "message-published") {
        events.emit({
          type: "message-published",
          id: event.id,
          text: decoder.decode(event.payload),
        });
      } else {
        logger.warn("gossip message rejected", { from: event.from, reason: event.reason });
      }
    },
  });

  const livenessHost = createMachineHost({
    clock,
    machine: liveness,
    tick: (now) => ({ type: "tick" as const, now, wallTimeMs: wallClock() }),
    apply: (output: LivenessOutput) => {
      if (output.type === "send") {
        links.send(output.to, output.message);
        return;
      }
      const event = output.event;
      switch (event.type) {
        case "peer-suspected":
          events.emit({ type: "peer-suspected", suspect: event.suspect });
          void refreshSuspicions();
          return;
        case "suspicion-cleared":
          events.emit({ type: "suspicion-cleared", suspect: event.suspect, by: event.by });
          return;
        case "dead-report":
          reportToSeeds(event.suspect, event.evidence);
          events.emit({ type: "dead-reported", suspect: event.suspect, line: event.line });
          return;
        case "probe-request":
          // Too few neighbours to vote: the seeds probe the suspect themselves. Nothing is
          // printed and the neighbour is kept until the seeds remove it.
          reportToSeeds(event.suspect, event.evidence);
          return;
        case "neighbour-dropped":
          dropNeighbour(event.address);
          return;
        case "self-removed":
          void rejoin();
          return;
      }
    },
  });

  const reportToSeeds = (suspect: string, evidence: DeadEvidence): void => {
    for (const seed of seeds) {
      links.send(seed, {
        type: "quorum.dead-report",
        requestId: nextRequestId(),
        address: suspect,
        incarnation: evidence.incarnation,
        evidence,
      });
    }
  };

  /** Feeds liveness the neighbour sets the seeds' directory holds for `addresses`. */
  const feedMemberNeighbours = (records: readonly MemberRecord[], addresses: readonly string[]) => {
    for (const member of addresses) {
      livenessHost.step({
        type: "member-neighbours",
        now: clock.now(),
        address: member,
        neighbours: undirectedNeighbours(member, records),
        wallTimeMs: wallClock(),
      });
    }
  };

  /**
   * While any suspicion is open, asks one seed for the directory every two ping intervals and
   * tells liveness the suspects' live neighbours and which of their neighbours the seeds have
   * already removed — so a vote round never waits for a voter that is itself dead (a suspect
   * whose other neighbours all crashed falls back to the seeds' own probe).
   */
  let refreshTimer: { cancel(): void } | undefined;
  let isRefreshing = false;
  const refreshSuspicions = async (): Promise<void> => {
    if (isRefreshing || isStopped) return;
    const suspects = liveness.inspect().suspicions;
    if (suspects.length === 0) return;
    isRefreshing = true;
    refreshTimer?.cancel();
    const records = await fetchMembers(shuffled(random, seeds).slice(0, 1));
    isRefreshing = false;
    if (isStopped) return;
    const status = new Map(records.map((record) => [record.address, record.status]));
    const told = new Set<string>();
    for (const suspect of liveness.inspect().suspicions) {
      const neighbours = undirectedNeighbours(suspect, records);
      for (const neighbour of neighbours) {
        const known = status.get(neighbour);
        if (
          known === undefined ||
          known === "alive" ||
          neighbour === address ||
          told.has(neighbour)
        ) {
          continue;
        }
        told.add(neighbour);
        livenessHost.step({
          type: "member-removed",
          now: clock.now(),
          address: neighbour,
          wallTimeMs: wallClock(),
        });
      }
      livenessHost.step({
        type: "member-neighbours",
        now: clock.now(),
        address: suspect,
        neighbours: neighbours.filter((neighbour) => status.get(neighbour) === "alive"),
        wallTimeMs: wallClock(),
      });
    }
    if (liveness.inspect().suspicions.length > 0) {
      refreshTimer = clock.setTimer(timing.pingIntervalMs * 2, () => void refreshSuspicions());
    }
  };

  const nextRequestId = (): string => `${address}/${incarnation}/${++requestSequence}`;

  /** Sends one request to one seed; resolves with its response, or undefined after the timeout. */
  const request = (
    seed: string,
    build: (requestId: string) => WireMessage,
  ): Promise<SeedResponse | undefined> => {
    const requestId = nextRequestId();
    return new Promise((resolve) => {
      const timer = clock.setTimer(requestTimeoutMs, () => {
        pending.delete(requestId);
        resolve(undefined);
      });
      pending.set(requestId, (message) => {
        timer.cancel();
        pending.delete(requestId);
        resolve(message);
      });
      void links.connect(seed).then((isUp) => {
        if (!isUp && pending.has(requestId)) {
          timer.cancel();
          pending.delete(requestId);
          resolve(undefined);
        } else if (isUp) {
          links.send(seed, build(requestId));
        }
      });
    });
  };

  /** Registers with ⌊n/2⌋+1 seeds chosen at random, trying others when one fails. */
  const register = async (): Promise<{ record: MemberRecord; seeds: string[] }> => {
    const order = shuffled(random, seeds);
    const answered: string[] = [];
    const problems: string[] = [];
    let record: MemberRecord | undefined;
    let next = 0;
    // `majority` workers; each keeps trying the next seed until one commits its registration.
    const worker = async (): Promise<void> => {
      while (next < order.length) {
        const seed = order[next++] as string;
        const response = await request(seed, (requestId) => ({
          type: "quorum.register-request",
          requestId,
          address,
          publicKey: keys.publicKey,
          neighbours: [...neighbourSet],
        }));
        if (response === undefined) problems.push(`${seed}: no answer`);
        else if (response.type !== "quorum.register-response") problems.push(`${seed}: bad answer`);
        else if (!response.ok || response.record === null)
          problems.push(`${seed}: ${response.error?.message ?? "refused"}`);
        else {
          answered.push(seed);
          if (record === undefined || response.record.incarnation >= record.incarnation)
            record = response.record;
          return;
        }
      }
    };
    await Promise.all(Array.from({ length: majority }, worker));
    if (record === undefined) {
      throw new P2pError(
        "REGISTRATION_FAILED",
        `registration of ${address} failed: no majority of the ${seeds.length} seeds committed it (${problems.join("; ")})`,
      );
    }
    return { record, seeds: answered.sort() };
  };

  /** The union of the peer lists of `from` (latest version of each record wins). */
  const fetchMembers = async (from: readonly string[]): Promise<MemberRecord[]> => {
    const latest = new Map<string, MemberEntry>();
    const responses = await Promise.all(
      from.map((seed) =>
        request(seed, (requestId) => ({ type: "quorum.list-request", requestId })),
      ),
    );
    for (const response of responses) {
      if (response?.type !== "quorum.list-response") continue;
      for (const entry of response.members) {
        const known = latest.get(entry.record.address);
        if (known === undefined || entry.version > known.version)
          latest.set(entry.record.address, entry);
      }
    }
    return [...latest.values()].map((entry) => entry.record);
  };

  let announced = "";
  const neighboursChanged = (): void => {
    const now = clock.now();
    const list = [...neighbourSet].sort();
    if (list.join() === announced) return;
    announced = list.join();
    gossipHost.step({ type: "neighbours", now, neighbours: list });
    livenessHost.step({ type: "neighbours", now, neighbours: list, wallTimeMs: wallClock() });
    events.emit({ type: "neighbours-changed", neighbours: list });
    // Tell the seeds (debounced): the directory's neighbour lists give joiners their degrees
    // and give the evidence validator the suspect's neighbours.
    neighbourUpdate?.cancel();
    neighbourUpdate = clock.setTimer(50, () => void publishNeighbours());
  };

  const publishNeighbours = async (): Promise<void> => {
    for (const seed of shuffled(random, seeds)) {
      if (isStopped) return;
      const response = await request(seed, (requestId) => ({
        type: "quorum.update-neighbours",
        requestId,
        address,
        neighbours: [...neighbourSet].sort(),
      }));
      if (response?.type === "quorum.operation-response" && response.ok) return;
    }
  };

  const addNeighbour = (neighbour: string): void => {
    if (neighbour === address || neighbourSet.has(neighbour)) return;
    neighbourSet.add(neighbour);
    if (isStarted) neighboursChanged();
  };

  const dropNeighbour = (neighbour: string): void => {
    if (!neighbourSet.delete(neighbour)) return;
    links.disconnect(neighbour);
    neighboursChanged();
    // Top up to `neighbourCount`, so peers that lost a shared hub do not stay an island.
    if (neighbourSet.size < neighbourCount && !isStopped) void findNeighbours();
  };

  /** Picks neighbours by preferential attachment among the live members and connects them. */
  const findNeighbours = async (): Promise<void> => {
    const members = await fetchMembers(shuffled(random, seeds).slice(0, majority));
    const degrees = degreesOf(members);
    feedMemberNeighbours(members, [...neighbourSet]);
    let candidates = members
      .filter((record) => record.status === "alive" && record.address !== address)
      .filter((record) => !neighbourSet.has(record.address))
      .map((record) => ({ address: record.address, degree: degrees.get(record.address) ?? 0 }));
    let wanted = Math.max(0, neighbourCount - neighbourSet.size);
    while (wanted > 0 && candidates.length > 0) {
      const chosen = chooseNeighbours({ joiner: address, candidates, k: wanted, random });
      const results = await Promise.all(chosen.map((candidate) => links.connect(candidate)));
      chosen.forEach((candidate, index) => {
        if (results[index]) {
          links.send(candidate, { type: "node.neighbour" });
          addNeighbour(candidate);
        } else logger.info("neighbour unreachable", { neighbour: candidate });
      });
      candidates = candidates.filter((candidate) => !chosen.includes(candidate.address));
      wanted = Math.max(0, neighbourCount - neighbourSet.size);
    }
  };

  const registerUntilAccepted = async (): Promise<{ record: MemberRecord; seeds: string[] }> => {
    const retryMs = options.registrationRetryMs;
    for (;;) {
      try {
        return await register();
      } catch (error) {
        if (!P2pError.is(error, "REGISTRATION_FAILED") || retryMs === undefined || isStopped) {
          throw error;
        }
        events.emit({ type: "registration-refused", message: error.message, retryInMs: retryMs });
        await new Promise<void>((resolve) => clock.setTimer(retryMs, resolve));
        if (isStopped) throw error;
      }
    }
  };

  const rejoin = async (): Promise<void> => {
    if (isStopped) return;
    try {
      const { record } = await register();
      incarnation = record.incarnation;
      livenessHost.step({
        type: "rejoined",
        now: clock.now(),
        incarnation,
        wallTimeMs: wallClock(),
      });
      events.emit({ type: "rejoined", incarnation });
      if (neighbourSet.size < neighbourCount) await findNeighbours();
    } catch (error) {
      logger.error("re-registration failed", { error: String(error) });
    }
  };

  links.on("message", (from, message) => {
    const now = clock.now();
    if (message.type.startsWith("gossip.")) {
      if (from.role === "peer") {
        gossipHost.step({ type: "receive", now, from: from.address, message: message as never });
      }
      return;
    }
    if (message.type.startsWith("liveness.")) {
      // Only the seeds' probes come from non-neighbours; answer those too.
      livenessHost.step({
        type: "receive",
        now,
        from: from.address,
        message: message as never,
        wallTimeMs: wallClock(),
      });
      if (message.type === "liveness.ping" && from.role === "seed") {
        links.send(from.address, {
          type: "liveness.pong",
          sequence: message.sequence,
          sentAtMs: message.sentAtMs,
          incarnation,
          neighbours: [...neighbourSet].sort(),
        });
      }
      return;
    }
    switch (message.type) {
      case "quorum.register-response":
      case "quorum.operation-response":
      case "quorum.list-response":
        pending.get(message.requestId)?.(message);
        return;
      case "node.neighbour":
        // A joining peer chose us: the overlay is undirected. Requests that arrive while we
        // are still registering are taken once we start.
        if (from.role !== "peer") return;
        if (isStarted) addNeighbour(from.address);
        else earlyNeighbours.add(from.address);
        return;
      case "node.member-removed":
        if (from.role !== "seed") return;
        livenessHost.step({
          type: "member-removed",
          now,
          address: message.address,
          wallTimeMs: wallClock(),
        });
        if (message.address !== address) {
          events.emit({ type: "member-removed", address: message.address });
          dropNeighbour(message.address);
        }
        return;
      default:
        return;
    }
  });

  const node: PeerNode = {
    address,
    publicKey: keys.publicKey,
    async start() {
      const listener = await links.listen();
      const registration = await registerUntilAccepted();
      incarnation = registration.record.incarnation;
      events.emit({ type: "registered", record: registration.record, seeds: registration.seeds });
      const members = await fetchMembers(registration.seeds);
      events.emit({
        type: "peer-list",
        members: members
          .filter((m) => m.status === "alive")
          .map((m) => m.address)
          .sort(),
        seeds: registration.seeds,
      });
      isStarted = true;
      for (const peer of earlyNeighbours) if (peer !== address) neighbourSet.add(peer);
      earlyNeighbours.clear();
      await findNeighbours();
      neighboursChanged();
      feedMemberNeighbours(members, [...neighbourSet]);
      return listener;
    },
    publish(payload) {
      gossipHost.step({ type: "publish", now: clock.now(), payload });
    },
    neighbours: () => [...neighbourSet].sort(),
    async leave() {
      for (const seed of shuffled(random, seeds)) {
        const response = await request(seed, (requestId) => ({
          type: "quorum.leave-request",
          requestId,
          address,
          incarnation,
        }));
        if (response?.type === "quorum.operation-response" && response.ok) break;
      }
      events.emit({ type: "left" });
      await node.stop();
    },
    async stop() {
      isStopped = true;
      neighbourUpdate?.cancel();
      refreshTimer?.cancel();
      gossipHost.stop();
      livenessHost.stop();
      await links.close();
    },
    inspect: () => ({
      address,
      incarnation,
      neighbours: [...neighbourSet].sort(),
      gossip: gossip.inspect(),
      liveness: liveness.inspect(),
    }),
    on: events.on,
  };
  return node;
}

function hexToBytes(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex))
    throw new P2pError("INVALID_KEY", "secretKey must be 64 hex digits");
  return Uint8Array.from({ length: 32 }, (_, index) =>
    Number.parseInt(hex.slice(index * 2, index * 2 + 2), 16),
  );
}
