import type { GossipOutput } from "@p2p/gossip";
import {
  createEd25519Signer,
  createLiveness,
  directoryInputs,
  keyPairFromSeed,
  type LivenessEvent,
  type LivenessInput,
  type LivenessOutput,
  livenessProfiles,
} from "@p2p/liveness";
import {
  createDirectoryClient,
  type DirectoryClientEvent,
  type DirectoryClientInput,
  type DirectoryClientOutput,
  type MemberRecord,
} from "@p2p/quorum";
import {
  createOverlay,
  type OverlayEvent,
  type OverlayInput,
  type OverlayOutput,
} from "@p2p/topology";
import { assertNever, createMachineHost, P2pError } from "@p2p/wire";
import type { NodeErrorCode } from "./errors.js";
import type { LinkPeer, Links } from "./link-types.js";
import { createLinks } from "./links.js";
import { createMemberKeys, mergeRecords, peerRecord } from "./member-keys.js";
import { createWireCodec, type WireMessage } from "./messages.js";
import { createNodeEvents } from "./node-events.js";
import { createPeerGossip, gossipEventHandler } from "./peer-gossip.js";
import type { PeerNode, PeerNodeEvent, PeerNodeOptions } from "./peer-types.js";

export type { PeerNode, PeerNodeEvent, PeerNodeOptions } from "./peer-types.js";

/**
 * Creates a peer (not yet started). The peer is wiring only: the directory client
 * (`@p2p/quorum`), the overlay (`@p2p/topology`), gossip and liveness make every protocol
 * decision; this host routes messages to them by type, applies their outputs in order and
 * forwards each machine's events to the machines that take them.
 */
export function createPeerNode(options: PeerNodeOptions): PeerNode {
  const { address, clock, logger, random, timing } = options;
  const wallClock = options.wallClock ?? (() => clock.now());
  const signer =
    options.signer ??
    createEd25519Signer(
      keyPairFromSeed(Uint8Array.from({ length: 32 }, () => Math.floor(random.next() * 256)))
        .secretKey,
    );
  const events = createNodeEvents<PeerNodeEvent>();

  const links: Links<WireMessage> = createLinks<WireMessage>({
    self: address,
    role: "peer",
    transport: options.transport,
    clock,
    codec: createWireCodec(),
    logger,
    identity: signer,
    seeds: options.seeds,
    ...(options.verify === undefined ? {} : { verify: options.verify }),
    ...(options.randomBytes === undefined ? {} : { randomBytes: options.randomBytes }),
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
  });

  /** Members' identity keys from the latest directory snapshot: who signed a gossip message. */
  const memberKeys = createMemberKeys(options.verify);
  const gossip = createPeerGossip(options, {
    random,
    sign: signer.sign,
    knowsOrigin: memberKeys.knowsOrigin,
    verifyOrigin: memberKeys.verifyOrigin,
  });
  const profile = timing.name === "fast" ? livenessProfiles.fast : livenessProfiles.standard;
  const liveness = createLiveness(
    {
      ...profile,
      self: address,
      pingIntervalMs: timing.pingIntervalMs,
      pingTimeoutMs: timing.pingTimeoutMs,
      missesBeforeSuspect: timing.pingMisses,
    },
    { random, sign: signer.sign },
  );
  const directory = createDirectoryClient(
    {
      self: address,
      seeds: options.seeds.map((seed) => seed.address),
      publicKey: signer.publicKey,
      requestTimeoutMs: options.seedRequestTimeoutMs ?? 5_000,
      refreshIntervalMs: timing.pingIntervalMs * 2,
      bootId: Math.floor(random.next() * 2 ** 48).toString(36),
      ...(options.registrationRetryMs === undefined
        ? {}
        : { registrationRetryMs: options.registrationRetryMs }),
    },
    { random, sign: signer.sign },
  );
  const overlay = createOverlay(
    { self: address, targetDegree: options.neighbourCount ?? 2, ...options.overlay },
    { random },
  );
  const time = () => ({ now: clock.now(), wallTimeMs: wallClock() });

  const gossipHost = createMachineHost({
    clock,
    machine: gossip,
    tick: (now) => ({ type: "tick" as const, now, wallTimeMs: wallClock() }),
    apply: (output: GossipOutput) => {
      if (output.type === "send") links.send(output.to, output.message);
      else onGossipEvent(output.event);
    },
  });
  const livenessHost = createMachineHost<LivenessInput, LivenessOutput>({
    clock,
    machine: liveness,
    tick: (now) => ({ type: "tick", now, wallTimeMs: wallClock() }),
    apply: (output) => {
      if (output.type === "send") links.send(output.to, output.message);
      else onLivenessEvent(output.event);
    },
  });
  const directoryHost = createMachineHost<DirectoryClientInput, DirectoryClientOutput>({
    clock,
    machine: directory,
    apply: (output) => {
      if (output.type === "send") sendWhenConnected(output.to, output.message);
      else onDirectoryEvent(output.event);
    },
  });
  const overlayHost = createMachineHost<OverlayInput, OverlayOutput>({
    clock,
    machine: overlay,
    apply: (output) => {
      switch (output.type) {
        case "connect":
          void links.connect(output.address).then((isUp) =>
            overlayHost.step({
              type: isUp ? "connected" : "unreachable",
              now: clock.now(),
              address: output.address,
            }),
          );
          return;
        case "send":
          links.send(output.to, output.message);
          return;
        case "disconnect":
          links.disconnect(output.address);
          return;
        case "emit":
          onOverlayEvent(output.event);
          return;
        default:
          assertNever(output, "overlay output");
      }
    },
  });

  /** Dials `to` first, so a seed that cannot be reached fails the request at once. */
  const sendWhenConnected = (to: string, message: WireMessage): void => {
    void links.connect(to).then((isUp) => {
      if (isUp) links.send(to, message);
      else directoryHost.step({ type: "unreachable", now: clock.now(), address: to });
    });
  };

  /** The last directory snapshot: the neighbour lists liveness needs for new neighbours. */
  let snapshot: readonly MemberRecord[] = [];
  const feedDirectory = (neighbours: readonly string[], suspects: readonly string[]): void => {
    const context = { self: address, neighbours, suspects, ...time() };
    for (const input of directoryInputs(snapshot, context)) livenessHost.step(input);
  };
  const watchSuspects = (): void =>
    directoryHost.step({
      type: "watch",
      now: clock.now(),
      suspects: liveness.inspect().suspicions,
    });

  const onGossipEvent = gossipEventHandler({
    emit: events.emit,
    logger,
    fetchRecord: (origin) =>
      directoryHost.step({ type: "fetch-records", now: clock.now(), addresses: [origin] }),
  });

  const onLivenessEvent = (event: LivenessEvent): void => {
    switch (event.type) {
      case "peer-suspected":
        events.emit({ type: "peer-suspected", suspect: event.suspect });
        watchSuspects();
        return;
      case "suspicion-cleared":
        events.emit({ type: "suspicion-cleared", suspect: event.suspect, by: event.by });
        watchSuspects();
        return;
      case "dead-report":
      case "probe-request": {
        const { suspect, evidence } = event;
        const report = { suspect, incarnation: evidence.incarnation, evidence };
        directoryHost.step({ type: "report", now: clock.now(), ...report });
        if (event.type === "dead-report")
          events.emit({ type: "dead-reported", suspect, line: event.line });
        return;
      }
      case "probe-hint":
        for (const seed of options.seeds) {
          links.send(seed.address, {
            type: "liveness.seed-probe",
            address: event.suspect,
            incarnation: event.incarnation,
          });
        }
        return;
      case "alive-vote":
        // Straight to every seed, so the peer that asked for the vote cannot hide it.
        for (const seed of options.seeds) {
          links.send(seed.address, { type: "liveness.alive-vote", vote: event.vote });
        }
        return;
      case "neighbour-dropped":
        overlayHost.step({ type: "neighbour-lost", now: clock.now(), address: event.address });
        watchSuspects();
        return;
      case "self-removed":
        directoryHost.step({ type: "rejoin", now: clock.now() });
        return;
      default:
        assertNever(event, "liveness event");
    }
  };

  let starting: { resolve(): void; reject(error: unknown): void } | undefined;
  /** One leave for every caller of `leave()`; settled when the leave ends or the node stops. */
  let leaving: Promise<void> | undefined;
  let onLeft: (() => void) | undefined;
  let stopping: Promise<void> | undefined;

  const onDirectoryEvent = (event: DirectoryClientEvent): void => {
    switch (event.type) {
      case "registration-refused":
        events.emit(event);
        return;
      case "registration-failed":
        starting?.reject(new P2pError<NodeErrorCode>("REGISTRATION_FAILED", event.message));
        starting = undefined;
        return;
      case "registered":
        livenessHost.step({ type: "registered", incarnation: event.record.incarnation, ...time() });
        events.emit({ type: "registered", record: event.record, seeds: event.seeds });
        return;
      case "members": {
        snapshot = event.records.map(peerRecord);
        memberKeys.update(snapshot);
        gossipHost.step({ type: "origins-changed", now: clock.now() });
        if (event.reason === "joined") {
          const alive = event.records.filter((record) => record.status === "alive");
          const members = alive.map((record) => record.address).sort();
          events.emit({ type: "peer-list", members, seeds: event.seeds });
        }
        overlayHost.step({ type: "members", now: clock.now(), members: snapshot });
        feedDirectory(overlay.inspect().neighbours, liveness.inspect().suspicions);
        return;
      }
      case "records": {
        // Records of origins the snapshot lacked: merged in (the higher incarnation wins), not
        // a new snapshot (the overlay goes on with the one it has).
        snapshot = mergeRecords(snapshot, event.records.map(peerRecord));
        memberKeys.update(snapshot);
        gossipHost.step({ type: "origins-changed", now: clock.now() });
        return;
      }
      case "rejoined":
        livenessHost.step({ type: "rejoined", incarnation: event.record.incarnation, ...time() });
        // The removal made every neighbour drop this peer: the old links are one-sided now.
        // Let them go and pick neighbours anew, so each side takes the other back.
        for (const address of overlay.inspect().neighbours) {
          overlayHost.step({ type: "neighbour-lost", now: clock.now(), address });
        }
        events.emit({ type: "rejoined", incarnation: event.record.incarnation });
        return;
      case "rejoin-failed":
        logger.error("re-registration failed", { error: event.message });
        return;
      case "left":
        events.emit({ type: "left" });
        onLeft?.();
        return;
      default:
        assertNever(event, "directory event");
    }
  };

  const onOverlayEvent = (event: OverlayEvent): void => {
    switch (event.type) {
      case "neighbours-changed": {
        const { neighbours } = event;
        gossipHost.step({ type: "neighbours", now: clock.now(), neighbours });
        livenessHost.step({ type: "neighbours", neighbours, ...time() });
        watchSuspects(); // a suspect that is no longer a neighbour is no longer suspected
        feedDirectory(neighbours, []);
        directoryHost.step({ type: "neighbours", now: clock.now(), neighbours });
        events.emit({ type: "neighbours-changed", neighbours });
        return;
      }
      case "members-wanted":
        directoryHost.step({ type: "fetch-members", now: clock.now() });
        return;
      case "selection-finished":
        starting?.resolve();
        starting = undefined;
        return;
      case "neighbour-refused":
      case "candidate-unreachable":
        logger.info(event.type, { neighbour: event.address });
        return;
      default:
        assertNever(event, "overlay event");
    }
  };

  /**
   * Routes each message to the machine that owns its type. Every input reads the clock when it
   * is stepped (never a reading taken before another step), so a machine's time never goes
   * back while a real clock moves during one message.
   */
  const onMessage = (from: LinkPeer, message: WireMessage): void => {
    switch (message.type) {
      case "gossip.message":
      case "gossip.ihave":
      case "gossip.graft":
      case "gossip.prune":
        if (from.role === "peer")
          gossipHost.step({ type: "receive", now: clock.now(), from: from.address, message });
        return;
      case "liveness.ping":
      case "liveness.pong":
      case "liveness.vote-request":
      case "liveness.vote":
        if (from.role === "client") return; // liveness is between peers (and seeds' probes)
        livenessHost.step({ type: "receive", from: from.address, message, ...time() });
        return;
      case "quorum.register-response":
      case "quorum.operation-response":
      case "quorum.list-response":
        if (from.role !== "seed") return; // only a pinned seed answers for the directory
        directoryHost.step({ type: "receive", now: clock.now(), from: from.address, message });
        return;
      case "node.neighbour":
      case "node.neighbour-refused":
        if (from.role === "peer")
          overlayHost.step({ type: "receive", now: clock.now(), from: from.address, message });
        return;
      case "node.member-removed":
        if (from.role !== "seed") return;
        livenessHost.step({ ...message, type: "member-removed", ...time() });
        if (message.address !== address) {
          events.emit({ type: "member-removed", address: message.address });
          overlayHost.step({ type: "neighbour-lost", now: clock.now(), address: message.address });
        }
        return;
      case "node.refused": // handled by the links
      case "node.admitted":
      case "liveness.seed-probe":
      case "quorum.prepare":
      case "quorum.promise":
      case "quorum.accept":
      case "quorum.accepted":
      case "quorum.learn":
      case "quorum.register-request":
      case "quorum.list-request":
      case "quorum.dead-report":
      case "quorum.leave-request":
      case "quorum.update-neighbours":
      case "quorum.get-request":
      case "liveness.alive-vote":
        return; // seeds' messages: a peer takes none of them
      default:
        assertNever(message, "message");
    }
  };
  links.on("message", onMessage);
  // A neighbour's link went down: dial it again. A refused dial means its process is gone (the
  // fast profile suspects it at once); a neighbour that only closed the link answers the dial,
  // and one too slow to answer in time is left to the missed pings.
  const isWatched = (address: string) =>
    liveness.config.suspectUnreachable &&
    stopping === undefined &&
    overlay.inspect().neighbours.includes(address);
  links.on("link-down", (lost) => {
    if (isWatched(lost)) void links.connect(lost);
  });
  links.on("dial-refused", (address) => {
    if (isWatched(address)) livenessHost.step({ type: "unreachable", address, ...time() });
  });

  const hosts = [gossipHost, livenessHost, directoryHost, overlayHost];
  const node: PeerNode = {
    address,
    publicKey: signer.publicKey,
    async start() {
      const listener = await links.listen();
      await new Promise<void>((resolve, reject) => {
        starting = { resolve, reject };
        directoryHost.step({ type: "register", now: clock.now() });
      });
      return listener;
    },
    publish(payload) {
      gossipHost.step({ type: "publish", now: clock.now(), payload });
    },
    neighbours: () => overlay.inspect().neighbours,
    leave() {
      leaving ??= new Promise<void>((resolve) => {
        onLeft = resolve;
        directoryHost.step({ type: "leave", now: clock.now() });
      }).then(() => node.stop());
      return leaving;
    },
    stop() {
      stopping ??= (async () => {
        for (const host of hosts) host.stop();
        starting?.reject(new P2pError<NodeErrorCode>("STOPPED", `${address} was stopped`));
        starting = undefined;
        onLeft?.();
        await links.close();
      })();
      return stopping;
    },
    inspect: () => ({
      address,
      incarnation: directory.inspect().incarnation,
      neighbours: overlay.inspect().neighbours,
      gossip: gossip.inspect(),
      liveness: liveness.inspect(),
      directory: directory.inspect(),
      overlay: overlay.inspect(),
      links: links.stats(),
    }),
    on: events.on,
  };
  return node;
}
