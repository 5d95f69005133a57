import { forEachSeed } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createPeerNode } from "../src/peer-node.js";
import { simulatedIdentity } from "../src/simulated-identity.js";
import { timingProfiles } from "../src/timing.js";
import { createSimNetwork, deliveries, EPOCH_MS, nativeCrypto, type SimPeer } from "./network.js";

const replay = process.env.P2P_SEED;

describe("PeerNode with gossipForwarding plumtree over the simulated network", () => {
  it("3 seeds and 10 peers: every generated message delivered once at every peer, over the tree", async () => {
    await forEachSeed(
      2,
      505,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        const { sim } = network;
        const peers: SimPeer[] = [];
        for (let index = 1; index <= 10; index++) {
          const address = `10.0.1.${index}:6000`;
          const node = createPeerNode({
            address,
            seeds: network.pinnedSeeds,
            ...simulatedIdentity(sim.random(`identity ${address}`)),
            ...nativeCrypto,
            transport: sim.transport(address),
            clock: sim.clockFor(address),
            random: sim.random(`peer ${address}`),
            logger: silentLogger,
            timing: timingProfiles.fast,
            wallClock: () => EPOCH_MS + sim.now(),
            gossipForwarding: { type: "plumtree" },
          });
          const peer: SimPeer = { address, node, events: [] };
          node.on((event) => peer.events.push(event));
          peers.push(peer);
          await sim.settle(node.start(), { timeoutMs: 60_000 });
          await sim.runForAsync(300);
        }
        await sim.runForAsync(30_000);

        let prunes = 0;
        for (const peer of peers) {
          const counts = deliveries(peer);
          for (const other of peers) {
            if (other === peer) continue;
            const ip = other.address.split(":")[0];
            for (let n = 1; n <= 10; n++) {
              const text = [...counts.keys()].find((key) => key.endsWith(`:${ip}:${n}`));
              expect(text, `${peer.address} never got message ${n} of ${ip}`).toBeDefined();
              expect(counts.get(text as string), `${peer.address}: ${text}`).toBe(1);
            }
          }
          const gossip = peer.node.inspect().gossip;
          expect(gossip.policy).toBe("plumtree");
          prunes += gossip.counters.prunesSent;
        }
        // The overlay has cycles once peers have several neighbours: the tree prunes some links.
        expect(prunes).toBeGreaterThan(0);
        for (const peer of peers) await peer.node.stop();
      },
      replay,
    );
  }, 120_000);
});
