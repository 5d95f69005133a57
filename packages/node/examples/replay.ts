// A whole network — 3 seeds and 20 peers — in virtual time, replayed exactly from its seed.
// Every machine of every node is driven by the one machine host over the simulator's clock,
// so the same seed gives the same run, event for event.
// Run it: pnpm exec tsx --conditions=@p2p/source packages/node/examples/replay.ts [seed]
import {
  createPeerNode,
  createSeedNode,
  type PeerNode,
  simulatedIdentity,
  simulatedSeeds,
  timingProfiles,
} from "@p2p/node";
import { createMemoryStorage } from "@p2p/quorum";
import { createSimulation } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";

/** What one run produced: every event of every node, in order, and the simulator's trace hash. */
export interface NetworkRun {
  readonly seed: number;
  readonly events: readonly string[];
  readonly traceHash: string;
  /** Peers each seed lists alive at the end. */
  readonly alivePerSeed: readonly number[];
  readonly deliveries: number;
}

export async function runNetwork(seed: number, peerCount = 20): Promise<NetworkRun> {
  const sim = createSimulation({ seed, link: { latencyMs: 5, jitterMs: 3, lossRate: 0.01 } });
  // Each seed's identity key is pinned in every node's seed list (config.yml pins them on a real network).
  const { pinned: seeds, identity } = simulatedSeeds(
    ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"],
    (label) => sim.random(label),
  );
  const events: string[] = [];
  const seedNodes = [];
  for (const { address } of seeds) {
    const node = await createSeedNode({
      address,
      seeds,
      ...identity(address), // its identity key and link randomness, seeded: the run replays
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      storage: createMemoryStorage(),
      random: sim.random(address),
      logger: silentLogger,
    });
    node.on((event) => events.push(`${sim.now()} ${address} ${event.type}`));
    await sim.settle(node.start());
    seedNodes.push(node);
  }
  let deliveries = 0;
  const peers: PeerNode[] = [];
  for (let index = 1; index <= peerCount; index++) {
    const address = `10.0.1.${index}:6000`;
    const peer = createPeerNode({
      address,
      seeds,
      ...simulatedIdentity(sim.random(`identity ${address}`)),
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      random: sim.random(address),
      logger: silentLogger,
      timing: timingProfiles.fast,
    });
    peer.on((event) => {
      if (event.type === "message-delivered") deliveries++;
      events.push(`${sim.now()} ${address} ${event.type}`);
    });
    await sim.settle(peer.start(), { timeoutMs: 60_000 });
    peers.push(peer);
  }
  await sim.runForAsync(15_000);
  const alivePerSeed = seedNodes.map(
    (node) => node.members().filter((entry) => entry.record.status === "alive").length,
  );
  return { seed, events, traceHash: sim.traceHash(), alivePerSeed, deliveries };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const seed = Number(process.argv[2] ?? 11);
  const first = await runNetwork(seed);
  const again = await runNetwork(seed);
  console.log(`seed ${seed}: ${first.events.length} events, ${first.deliveries} deliveries`);
  console.log(`alive at each seed: ${first.alivePerSeed.join(", ")}`);
  console.log(
    `trace ${first.traceHash} — replay ${again.traceHash === first.traceHash ? "identical" : "DIFFERS"}`,
  );
}
