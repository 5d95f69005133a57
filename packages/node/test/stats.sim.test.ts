import { createEd25519Signer, keyPairFromSeed } from "@p2p/liveness";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { createSimNetwork, nativeCrypto } from "./network.js";

const sum = (values: readonly number[]): number =>
  values.reduce((total, value) => total + value, 0);

describe("node counters over the simulated network", () => {
  it("seeds count and time registrations and refusals; peers count handshakes, gossip and pings", async () => {
    const network = await createSimNetwork({ seed: 31, admittedPeers: 3 });
    await network.addPeers(3, 200, 5_000);
    const stranger = await network.addPeer(4).then(
      () => "registered",
      (error: unknown) => (error as { code?: string }).code,
    );
    expect(stranger).toBe("REGISTRATION_FAILED");

    const seedStats = network.seeds.map((seed) => seed.node.stats());
    for (const stats of seedStats) {
      // Every seed learns every registration, whichever seed proposed it.
      expect(stats.quorum.changes.registered).toBe(3);
      expect(stats.links.handshakesCompleted).toBeGreaterThan(0);
      expect(stats.links.connected).toBeGreaterThan(0);
    }
    // Each registration was answered by a majority of seeds, each timing its own answer.
    expect(sum(seedStats.map((stats) => stats.quorum.commitLatency.count))).toBeGreaterThanOrEqual(
      6,
    );
    for (const { quorum } of seedStats) {
      expect(sum(quorum.commitLatency.counts)).toBe(quorum.commitLatency.count);
      expect(quorum.commitLatency.counts).toHaveLength(quorum.commitLatency.boundsMs.length + 1);
    }
    expect(sum(seedStats.map((stats) => stats.quorum.refusals.NOT_ADMITTED ?? 0))).toBeGreaterThan(
      0,
    );
    expect(sum(seedStats.map((stats) => stats.quorum.noQuorum))).toBe(0);

    const [first] = network.peers;
    const before = first?.node.inspect();
    expect(before?.links.handshakesCompleted).toBeGreaterThan(0);
    expect(before?.links.handshakesFailed).toBe(0);
    await network.sim.runForAsync(5_000);
    const after = first?.node.inspect();
    expect(after?.gossip.counters.delivered).toBeGreaterThan(
      before?.gossip.counters.delivered ?? 0,
    );
    expect(after?.liveness.counters.pingsSent).toBeGreaterThan(
      before?.liveness.counters.pingsSent ?? 0,
    );
  }, 60_000);

  it("seeds count the links they refuse, by code", async () => {
    const network = await createSimNetwork({ seed: 32 });
    await network.addPeers(1, 200, 1_000);
    const victim = network.peers[0]?.address ?? "";
    // A stranger at another address claims the peer's address: nothing there proves its key.
    const where = "10.0.66.6:6000";
    let counter = 0;
    const forger = createLinks<WireMessage>({
      self: victim,
      role: "peer",
      transport: network.sim.transport(where),
      clock: network.sim.clockFor(where),
      codec: createWireCodec(),
      logger: silentLogger,
      identity: createEd25519Signer(keyPairFromSeed(new Uint8Array(32).fill(66)).secretKey),
      ...nativeCrypto,
      randomBytes: (length) => Uint8Array.from({ length }, () => (counter++ * 73 + 11) % 256),
    });
    const seed = network.seeds[0];
    expect(seed?.node.stats().links.refused).toEqual({});
    forger.send(seed?.address ?? "", {
      type: "quorum.get-request",
      requestId: "r1",
      address: victim,
    });
    await network.sim.runForAsync(3_000);
    expect(seed?.node.stats().links.refused).toEqual({ ADDRESS_NOT_PROVEN: 1 });
    await forger.close();
  }, 60_000);
});
