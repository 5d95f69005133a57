import { createMemoryStorage, type MemoryStorage } from "@p2p/quorum";
import { createSimulation, type Simulation } from "@p2p/sim";
import type { Clock, Logger } from "@p2p/wire";
import { nodeNoiseCrypto, nodeVerifyEd25519 } from "@p2p/wire/node-crypto";
import { createPeerNode, type PeerNode, type PeerNodeEvent } from "../src/peer-node.js";
import { createSeedNode } from "../src/seed-node.js";
import type { SeedNode } from "../src/seed-types.js";
import {
  type SimulatedIdentity,
  simulatedIdentity,
  simulatedSeeds,
} from "../src/simulated-identity.js";
import { type TimingProfile, timingProfiles } from "../src/timing.js";

/** Wall-clock epoch of the simulated network (virtual time 0). */
export const EPOCH_MS = Date.UTC(2026, 0, 1);

/** A seed in a simulated network, with its durable storage (which survives a crash). */
interface SimSeed {
  readonly address: string;
  node: SeedNode;
  readonly storage: MemoryStorage;
}

/** A peer in a simulated network, with everything it reported. */
export interface SimPeer {
  readonly address: string;
  readonly node: PeerNode;
  readonly events: PeerNodeEvent[];
}

/** A whole network of SeedNodes and PeerNodes over @p2p/sim. */
export interface SimNetwork {
  readonly sim: Simulation;
  readonly seeds: SimSeed[];
  readonly peers: SimPeer[];
  /** The seeds with their pinned identity keys (what every node's seed list holds). */
  readonly pinnedSeeds: readonly { readonly address: string; readonly key: string }[];
  /** Every warning and error any node logged, as `address: message {fields}`. */
  readonly warnings: string[];
  addPeer(index: number): Promise<SimPeer>;
  /** Adds peers 1…count, `gapMs` of virtual time apart, then lets the network settle `settleMs`. */
  addPeers(count: number, gapMs: number, settleMs: number): Promise<void>;
  restartSeed(seed: SimSeed): Promise<void>;
}

/** Builds and starts `seedCount` seeds on a simulation with `seed`. */
export async function createSimNetwork(options: {
  seed: number;
  seedCount?: number;
  timing?: TimingProfile;
  lossRate?: number;
  /**
   * Make each node's clock move on every reading (by a microsecond), as a real clock does while
   * a synchronous step runs (virtual time alone stands still within one event). Default true;
   * false gives every node the bare virtual clock.
   */
  isClockMoving?: boolean;
  /**
   * Closed membership: the seeds admit only the keys of peers 1…`admittedPeers` (the identities
   * `addPeer` gives them). Default: open membership.
   */
  admittedPeers?: number;
  /** Every node's Ed25519 check (default: node:crypto's, `nodeVerifyEd25519`). */
  verify?: (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => boolean;
}): Promise<SimNetwork> {
  const sim = createSimulation({
    seed: options.seed,
    link: { latencyMs: 5, jitterMs: 3, lossRate: options.lossRate ?? 0 },
  });
  const timing = options.timing ?? timingProfiles.fast;
  const seedAddresses = Array.from(
    { length: options.seedCount ?? 3 },
    (_, index) => `10.0.0.${index + 1}:5000`,
  );
  const wallClock = () => EPOCH_MS + sim.now();
  // Each seed's identity key, pinned in every node's seed list (as config.yml pins them).
  const simulated = simulatedSeeds(seedAddresses, (label) => sim.random(label));
  const pinnedSeeds = simulated.pinned;
  let readings = 0;
  const warnings: string[] = [];
  const loggerFor = (address: string): Logger => {
    const record = (message: string, fields?: Record<string, unknown>) =>
      warnings.push(
        `${address}: ${message}${fields === undefined ? "" : ` ${JSON.stringify(fields)}`}`,
      );
    return { debug() {}, info() {}, warn: record, error: record };
  };
  const clockFor = (address: string): Clock => {
    const clock = sim.clockFor(address);
    if (options.isClockMoving === false) return clock;
    return { now: () => clock.now() + ++readings / 1_000_000, setTimer: clock.setTimer };
  };

  /** Each peer's identity, made once (its random stream also feeds its handshakes). */
  const identities = new Map<string, ReturnType<typeof simulatedIdentity>>();
  const peerIdentity = (address: string) => {
    const known = identities.get(address) ?? simulatedIdentity(sim.random(`identity ${address}`));
    identities.set(address, known);
    return known;
  };
  const allowedKeys =
    options.admittedPeers === undefined
      ? undefined
      : Array.from(
          { length: options.admittedPeers },
          (_, index) => peerIdentity(`10.0.1.${index + 1}:6000`).signer.publicKey,
        );
  const startSeed = async (address: string, storage: MemoryStorage): Promise<SeedNode> => {
    const node = await createSeedNode({
      address,
      seeds: pinnedSeeds,
      ...(allowedKeys === undefined ? {} : { allowedKeys }),
      ...simulated.identity(address),
      ...nativeCrypto,
      ...(options.verify === undefined ? {} : { verify: options.verify }),
      transport: sim.transport(address),
      clock: clockFor(address),
      storage,
      random: sim.random(`seed ${address}`),
      logger: loggerFor(address),
      wallClock,
    });
    await sim.settle(node.start());
    return node;
  };

  const seeds: SimSeed[] = [];
  for (const address of seedAddresses) {
    const storage = createMemoryStorage();
    seeds.push({ address, storage, node: await startSeed(address, storage) });
  }
  const peers: SimPeer[] = [];
  const network: SimNetwork = {
    sim,
    seeds,
    peers,
    warnings,
    pinnedSeeds,
    async addPeer(index) {
      const address = `10.0.1.${index}:6000`;
      const node = createPeerNode({
        address,
        seeds: pinnedSeeds,
        ...peerIdentity(address),
        ...nativeCrypto,
        ...(options.verify === undefined ? {} : { verify: options.verify }),
        transport: sim.transport(address),
        clock: clockFor(address),
        random: sim.random(`peer ${address}`),
        logger: loggerFor(address),
        timing,
        wallClock,
      });
      const peer: SimPeer = { address, node, events: [] };
      node.on((event) => peer.events.push(event));
      peers.push(peer);
      await sim.settle(node.start(), { timeoutMs: 60_000 });
      return peer;
    },
    async addPeers(count, gapMs, settleMs) {
      for (let index = 1; index <= count; index++) {
        await network.addPeer(index);
        await sim.runForAsync(gapMs);
      }
      await sim.runForAsync(settleMs);
    },
    async restartSeed(seed) {
      await seed.node.stop();
      sim.restart(seed.address);
      seed.node = await startSeed(seed.address, seed.storage);
    },
  };
  return network;
}

/** Ids of the messages `peer` delivered, with how often each was delivered. */
export function deliveries(peer: SimPeer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const event of peer.events) {
    if (event.type === "message-delivered")
      counts.set(event.text, (counts.get(event.text) ?? 0) + 1);
  }
  return counts;
}

/**
 * Node's native X25519, ChaCha20-Poly1305 and Ed25519 verification for the simulated nodes:
 * the same results as the portable default, and handshakes many times faster.
 */
export const nativeCrypto = { crypto: nodeNoiseCrypto, verify: nodeVerifyEd25519 };

/** The link options of a simulated identity (`identity` and `randomBytes` of createLinks). */
export function identityOf(simulated: SimulatedIdentity) {
  return { identity: simulated.signer, randomBytes: simulated.randomBytes };
}
