import {
  createSeedEvidenceValidator,
  createSeedProber,
  DEFAULT_ROUND_WINDOW_MS,
  type SeedProberInput,
  type SeedProberMessage,
  type SeedProberOutput,
} from "@p2p/liveness";
import {
  createPersistBeforeSend,
  createSeedRegistry,
  type DeadReport,
  type QuorumMessage,
  type SeedRegistryEvent,
  type SeedRegistryInput,
  type SeedRegistryOutput,
} from "@p2p/quorum";
import { assertNever, createMachineHost, P2pError, verifyIdentitySignature } from "@p2p/wire";
import type { NodeErrorCode } from "./errors.js";
import type { LinkPeer, Links } from "./link-types.js";
import { createLinks } from "./links.js";
import { createWireCodec, type WireMessage } from "./messages.js";
import { createNodeEvents } from "./node-events.js";
import { createOperationStats } from "./seed-stats.js";
import type { SeedNode, SeedNodeEvent, SeedNodeOptions } from "./seed-types.js";

/** Each wire message type, and the message of that type. */
type WireMessageOf = { [M in WireMessage as M["type"]]: M };
/** The dispatch table: which machine each message type goes to. */
type Routes = { [T in keyof WireMessageOf]: (from: LinkPeer, message: WireMessageOf[T]) => void };
/** Each registry event type, and the event of that type. */
type RegistryEventOf = { [E in SeedRegistryEvent as E["type"]]: E };
type RegistryEventRoutes = {
  [T in keyof RegistryEventOf]: (event: RegistryEventOf[T]) => void;
};

const dispatch = <T extends keyof WireMessageOf>(
  routes: Routes,
  type: T,
  from: LinkPeer,
  message: WireMessageOf[T],
): void => routes[type](from, message);

const dispatchEvent = <T extends keyof RegistryEventOf>(
  routes: RegistryEventRoutes,
  type: T,
  event: RegistryEventOf[T],
): void => routes[type](event);

/**
 * Creates a seed: wiring only. Two machines — the registry (`@p2p/quorum`: consensus,
 * acceptor rules, client requests, anti-entropy) and the seed prober (`@p2p/liveness`: the
 * seeds' own probes of suspects and orphans, pings) — connected to the links, the storage and
 * the clock. Loads acceptor state from `storage` first, so a restarted seed keeps every
 * promise and accepted value.
 */
export async function createSeedNode(options: SeedNodeOptions): Promise<SeedNode> {
  const { address, clock, logger, storage } = options;
  const wallClock = options.wallClock ?? (() => clock.now());
  const maxVoteAgeMs = options.maxVoteAgeMs ?? DEFAULT_ROUND_WINDOW_MS;
  const seeds = [...new Set(options.seeds.map((seed) => seed.address))].sort();
  const ownEntry = options.seeds.find((seed) => seed.address === address);
  if (ownEntry === undefined || ownEntry.key !== options.signer.publicKey) {
    throw new P2pError<NodeErrorCode>(
      "CONFIG_INVALID",
      ownEntry === undefined
        ? `seeds: ${address} is not in the seed list`
        : `seeds: the key pinned for ${address} is not this seed's identity key (${options.signer.publicKey})`,
    );
  }
  const events = createNodeEvents<SeedNodeEvent>();
  const initialState = await storage.loadAll();
  const time = () => ({ now: clock.now(), wallTimeMs: wallClock() });
  // One Ed25519 check for all this seed verifies: links, requests, attestations and votes.
  const verify = options.verify ?? verifyIdentitySignature;

  const prober = createSeedProber<DeadReport>(
    {
      self: address,
      seeds,
      maxVoteAgeMs,
      ...(options.seedProbeAttempts === undefined
        ? {}
        : { probeAttempts: options.seedProbeAttempts }),
      ...(options.seedProbeIntervalMs === undefined
        ? {}
        : { probeIntervalMs: options.seedProbeIntervalMs }),
    },
    { verify },
  );
  const allowed = options.allowedKeys === undefined ? undefined : new Set(options.allowedKeys);
  const registry = createSeedRegistry(
    {
      ...options.registry,
      ...(options.syncIntervalMs === undefined ? {} : { syncIntervalMs: options.syncIntervalMs }),
      seedId: address,
      seeds,
      ownRecordsOnly: true,
    },
    {
      random: options.random,
      verifySignature: verify,
      // Commit certificates: each acceptor signs what it accepts with this seed's key.
      certificates: {
        sign: (bytes) => options.signer.sign(bytes),
        seedKeys: new Map(options.seeds.map((seed) => [seed.address, seed.key])),
      },
      ...(options.allowedKeys === undefined
        ? {}
        : { admits: (key: string) => allowed?.has(key) === true }),
      validateEvidence: createSeedEvidenceValidator({
        maxVoteAgeMs,
        probeReuseMs: prober.config.probeReuseMs,
        // How long an alive vote stands is the prober's to say (it holds reports as long).
        probeVerdictMs: prober.config.aliveVoteMs,
        verify,
      }),
      initialState,
    },
  );
  const records = () => registry.list().map((entry) => entry.record);

  const links: Links<WireMessage> = createLinks<WireMessage>({
    self: address,
    role: "seed",
    transport: options.transport,
    clock,
    codec: createWireCodec(),
    logger,
    identity: options.signer,
    seeds: options.seeds,
    verify,
    ...(options.randomBytes === undefined ? {} : { randomBytes: options.randomBytes }),
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
  });

  const operations = createOperationStats();
  // Persist before send, with group commit (shared with the simulations): every persist is
  // issued at once (so a durable store can batch the writes of many operations into one
  // synced transaction), and every send or event waits until all the persists issued before
  // it are durable. After a failed save nothing more is sent; the seed stops.
  const groupCommit = createPersistBeforeSend({
    save: (key, state) => storage.save(key, state),
    // Without a saveLazy of its own, the storage's save takes lazy writes too (createPersistBeforeSend).
    ...(storage.saveLazy === undefined
      ? {}
      : { saveLazy: (key, state) => storage.saveLazy?.(key, state) }),
    deliver: (output) => {
      operations.delivered(clock.now(), output); // an answer ends its operation's timing
      if (output.type === "send") links.send(output.to, output.message);
      else onRegistryEvent(output.event);
    },
    onFailure: (error) => {
      logger.error("acceptor state could not be saved; stopping", { error: String(error) });
      void node.stop();
    },
  });
  const applyRegistry = (output: SeedRegistryOutput): void => groupCommit.apply(output);

  const applyProber = (output: SeedProberOutput<DeadReport>): void => {
    switch (output.type) {
      case "send":
        links.send(output.to, output.message);
        return;
      case "emit":
        events.emit(output.event);
        return;
      case "probe-result": {
        const { type: _, ...result } = output;
        registryHost.step({ type: "probe-result", ...time(), ...result });
        return;
      }
      case "release-report":
        registryHost.step({
          type: "receive",
          ...time(),
          from: output.from,
          message: output.report,
        });
        return;
      case "propose-removal": {
        const { type: _, ...command } = output;
        registryHost.step({
          type: "command",
          ...time(),
          command: { type: "mark-dead", ...command },
        });
        return;
      }
      case "alive-vote-recorded": {
        const { type: _, ...vote } = output;
        registryHost.step({ type: "alive-vote", ...time(), ...vote });
        return;
      }
      case "removal-notice":
        links.send(output.to, {
          type: "node.member-removed",
          address: output.address,
          incarnation: output.incarnation,
        });
        return;
      default:
        assertNever(output, "seed prober output");
    }
  };

  const registryHost = createMachineHost<SeedRegistryInput, SeedRegistryOutput>({
    clock,
    machine: operations.observe(registry), // the registry; an input starts an operation's timing
    tick: (now) => ({ type: "tick", now, wallTimeMs: wallClock() }),
    apply: applyRegistry,
  });
  const proberHost = createMachineHost<SeedProberInput<DeadReport>, SeedProberOutput<DeadReport>>({
    clock,
    machine: prober,
    tick: (now) => ({ type: "tick", now, wallTimeMs: wallClock() }),
    apply: applyProber,
  });

  const toRegistry = (from: LinkPeer, message: QuorumMessage): void =>
    registryHost.step({
      type: "receive",
      ...time(),
      from: from.address,
      message,
      fromKey: from.identityKey,
    });
  const toProber = (from: LinkPeer, message: SeedProberMessage): void =>
    proberHost.step({ type: "receive", ...time(), from: from.address, message });
  const removed = (event: RegistryEventOf["member-removed" | "member-left"]): void =>
    proberHost.step({
      type: "member-removed",
      ...time(),
      address: event.record.address,
      incarnation: event.record.incarnation,
      records: records(),
    });
  const ignore = (): void => {};

  /** Seed-role messages count only from a link that proved a pinned seed key. */
  const fromSeed =
    <M>(route: (from: LinkPeer, message: M) => void) =>
    (from: LinkPeer, message: M): void => {
      if (from.role === "seed") route(from, message);
      else logger.warn(`refused a seed message from ${from.address}: not a pinned seed`);
    };
  /** Requests that change a member's record come only from peers (a client may only read). */
  const fromPeer =
    <M>(route: (from: LinkPeer, message: M) => void) =>
    (from: LinkPeer, message: M): void => {
      if (from.role === "peer") route(from, message);
      else logger.warn(`refused a peer request from ${from.address}: a ${from.role} may only read`);
    };
  const routes: Routes = {
    "quorum.prepare": fromSeed(toRegistry),
    "quorum.promise": fromSeed(toRegistry),
    "quorum.accept": fromSeed(toRegistry),
    "quorum.accepted": fromSeed(toRegistry),
    "quorum.learn": fromSeed(toRegistry),
    // A registration binds the key the link proved for the address (the registry checks it).
    "quorum.register-request": fromPeer(toRegistry),
    "quorum.register-response": toRegistry,
    "quorum.update-neighbours": fromPeer(toRegistry),
    "quorum.leave-request": fromPeer(toRegistry),
    "quorum.get-request": toRegistry,
    "quorum.list-request": toRegistry,
    "quorum.list-response": fromSeed(toRegistry),
    "quorum.operation-response": fromSeed(toRegistry),
    // A dead report waits in the prober for the seeds' own probe when its votes cannot decide.
    "quorum.dead-report": fromPeer((from, message) =>
      proberHost.step({
        type: "dead-report",
        ...time(),
        from: from.address,
        suspect: message.address,
        incarnation: message.incarnation,
        evidence: message.evidence,
        report: message,
        records: records(),
      }),
    ),
    "liveness.ping": toProber,
    "liveness.pong": toProber,
    // From another seed: probe. From a peer: a hint to begin probing its suspect with few
    // neighbours now, obeyed only when that peer is one of them (checked in the directory).
    "liveness.seed-probe": (from, message) => {
      if (from.role === "seed") toProber(from, message);
      else if (from.role === "peer") {
        proberHost.step({
          type: "probe-hint",
          ...time(),
          from: from.address,
          suspect: message.address,
          incarnation: message.incarnation,
          records: records(),
        });
      } else logger.warn(`refused a probe request from ${from.address}: a client may only read`);
    },
    // From the voter (a peer) or relayed by a seed; checked against this seed's directory.
    "liveness.alive-vote": (from, message) => {
      if (from.role === "client") return;
      proberHost.step({
        type: "alive-vote",
        ...time(),
        from: from.address,
        vote: message.vote,
        records: records(),
      });
    },
    // Meant for peers: a seed takes no part in votes, gossip or the overlay.
    "liveness.vote-request": ignore,
    "liveness.vote": ignore,
    "gossip.message": ignore,
    "gossip.ihave": ignore,
    "gossip.graft": ignore,
    "gossip.prune": ignore,
    "node.refused": ignore, // handled by the links
    "node.admitted": ignore, // handled by the links
    "node.member-removed": ignore,
    "node.neighbour": ignore,
    "node.neighbour-refused": ignore,
  };

  const registryEventRoutes: RegistryEventRoutes = {
    "member-removed": removed,
    "member-left": removed,
    "member-registered": ignore,
    "member-updated": ignore,
    "operation-completed": ignore,
    "request-refused": (event) =>
      logger.warn(
        `refused ${event.request} for ${event.address} from ${event.from}: ${event.code}`,
      ),
  };
  const onRegistryEvent = (event: SeedRegistryEvent): void => {
    events.emit(event);
    dispatchEvent(registryEventRoutes, event.type, event);
  };

  links.on("message", (from, message) => dispatch(routes, message.type, from, message));

  const node: SeedNode = {
    address,
    registry,
    async start() {
      const listener = await links.listen();
      registryHost.step({ type: "tick", ...time() });
      return listener;
    },
    async stop() {
      registryHost.stop();
      proberHost.stop();
      await links.close();
    },
    members: () => registry.list(),
    stats: () => ({
      links: links.stats(),
      quorum: operations.snapshot(),
      prober: prober.inspect().counters,
    }),
    on: events.on,
  };
  return node;
}
