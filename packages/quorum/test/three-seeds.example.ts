// Three in-memory seeds, a message queue for a network, one registration. Run:
//   npx tsx --conditions=@p2p/source packages/quorum/test/three-seeds.example.ts
import { createSeededRandom, ok } from "@p2p/wire";
import {
  createMemoryStorage,
  createSeedRegistry,
  type QuorumMessage,
  type SeedRegistry,
  type SeedRegistryOutput,
} from "../src/index.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const random = createSeededRandom(1); // any seeded RandomSource
const storages = new Map(seeds.map((id) => [id, createMemoryStorage()]));
const registries = new Map<string, SeedRegistry>(
  seeds.map((seedId) => [
    seedId,
    createSeedRegistry(
      { seedId, seeds },
      {
        random,
        // the liveness package supplies the real check of dead-report evidence
        validateEvidence: () => ok(undefined),
        initialState: storages.get(seedId)?.loadAll() ?? new Map(),
      },
    ),
  ]),
);

const network: { from: string; to: string; message: QuorumMessage }[] = [];
const apply = (seedId: string, outputs: readonly SeedRegistryOutput[]) => {
  for (const output of outputs) {
    if (output.type === "persist") storages.get(seedId)?.save(output.key, output.state); // before any later send
    if (output.type === "send")
      network.push({ from: seedId, to: output.to, message: output.message });
    if (output.type === "emit") console.log(seedId, output.event.type);
  }
};

// A peer asks seed 1 to register it.
const peer = "10.1.0.7:6000";
network.push({
  from: peer,
  to: "10.0.0.1:5000",
  message: { type: "quorum.register-request", requestId: "r1", address: peer, neighbours: [] },
});
for (let now = 1; network.length > 0; now++) {
  const { from, to, message } = network.shift() as (typeof network)[number];
  const registry = registries.get(to);
  if (registry === undefined) {
    console.log(`${to} got ${message.type}:`, JSON.stringify(message));
    continue;
  }
  apply(to, registry.step({ type: "receive", now, from, message }));
}
for (const [seedId, registry] of registries) {
  console.log(
    seedId,
    registry
      .list()
      .map((entry) => `${entry.record.address} ${entry.record.status} v${entry.version}`),
  );
}
