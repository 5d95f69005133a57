// A whole p2p network in one process: 3 seeds and 5 peers over the deterministic simulator.
// Run it: pnpm exec tsx --conditions=@p2p/source packages/node/examples/simulated-network.ts
import {
  createPeerNode,
  createSeedNode,
  simulatedIdentity,
  simulatedSeeds,
  timingProfiles,
} from "@p2p/node";
import { createMemoryStorage } from "@p2p/quorum";
import { createSimulation } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";

export async function main(seed = 7): Promise<{ members: string[]; delivered: number }> {
  const sim = createSimulation({ seed, link: { latencyMs: 5, jitterMs: 2 } });
  // Each seed's identity key is pinned in every node's seed list (config.yml pins them on a real network).
  const { pinned: seeds, identity } = simulatedSeeds(
    ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"],
    (label) => sim.random(label),
  );
  for (const { address } of seeds) {
    const node = await createSeedNode({
      address,
      seeds,
      ...identity(address), // its identity key and link randomness, seeded: the run replays
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      storage: createMemoryStorage(), // the seed app uses a durable LMDB store
      random: sim.random(address),
      logger: silentLogger,
    });
    await sim.settle(node.start());
  }
  let delivered = 0;
  const peers = [];
  for (let index = 1; index <= 5; index++) {
    const address = `10.0.1.${index}:6000`;
    const peer = createPeerNode({
      address,
      seeds,
      ...simulatedIdentity(sim.random(`identity ${address}`)),
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      random: sim.random(address),
      logger: silentLogger,
      timing: timingProfiles.fast, // gossip 1 s × 10 messages, ping every 1 s
    });
    peer.on((event) => {
      if (event.type === "message-delivered") delivered++;
    });
    await sim.settle(peer.start());
    peers.push(peer);
  }
  await sim.runForAsync(15_000); // 15 s of virtual time, in well under a second
  const members = peers.map((peer) => `${peer.address} → ${peer.neighbours().join(", ")}`);
  return { members, delivered };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { members, delivered } = await main();
  console.log(members.join("\n"));
  console.log(`${delivered} deliveries (5 peers × 4 others × 10 messages = 200)`);
}
