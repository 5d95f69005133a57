// Seeds and peers on the simulator as the benchmarks (and the insider simulation) run them:
// simulated identity keys, Node's crypto, memory storage, no logs.
import { createMemoryStorage } from "@p2p/quorum";
import type { Simulation } from "@p2p/sim";
import { silentLogger, type Transport } from "@p2p/wire";
import { nodeEd25519Signer, nodeNoiseCrypto, nodeVerifyEd25519 } from "@p2p/wire/node-crypto";
import {
  createPeerNode,
  createSeedNode,
  type PeerNode,
  type SeedNode,
  type SeedNodeEvent,
  simulatedIdentity,
  simulatedSeeds,
  type TimingProfile,
} from "../src/index.js";

/** What every simulated node of a run shares. */
export interface SimNodeContext {
  readonly sim: Simulation;
  /** Wall-clock ms (virtual), for votes. */
  readonly wallClock: () => number;
  /** The transport of `address` (default: the simulator's own). */
  readonly transportFor?: (address: string) => Transport;
}

/** Starts one seed per address (pinned keys made from the simulation), each reporting events. */
export async function startSimSeeds(
  context: SimNodeContext,
  addresses: readonly string[],
  onEvent: (seed: string, event: SeedNodeEvent) => void,
) {
  const { sim } = context;
  const simulated = simulatedSeeds(addresses, (label) => sim.random(label), nodeEd25519Signer);
  const seeds: SeedNode[] = [];
  for (const address of addresses) {
    const node = await createSeedNode({
      address,
      seeds: simulated.pinned,
      ...simulated.identity(address),
      crypto: nodeNoiseCrypto,
      verify: nodeVerifyEd25519,
      transport: context.transportFor?.(address) ?? sim.transport(address),
      clock: sim.clockFor(address),
      storage: createMemoryStorage(),
      random: sim.random(`seed ${address}`),
      logger: silentLogger,
      wallClock: context.wallClock,
    });
    node.on((event) => onEvent(address, event));
    await sim.settle(node.start());
    seeds.push(node);
  }
  return { pinned: simulated.pinned, seeds };
}

/** A peer (not started) at `address`, knowing the pinned seeds. */
export function createSimPeer(
  context: SimNodeContext,
  address: string,
  pinned: readonly { readonly address: string; readonly key: string }[],
  timing: TimingProfile,
): PeerNode {
  const { sim } = context;
  return createPeerNode({
    address,
    seeds: pinned,
    ...simulatedIdentity(sim.random(`identity ${address}`), nodeEd25519Signer),
    crypto: nodeNoiseCrypto,
    verify: nodeVerifyEd25519,
    transport: context.transportFor?.(address) ?? sim.transport(address),
    clock: sim.clockFor(address),
    random: sim.random(`peer ${address}`),
    logger: silentLogger,
    timing,
    wallClock: context.wallClock,
  });
}
