import { VOTE_SIGNING_VERSION } from "@p2p/liveness";
import { forEachSeed } from "@p2p/sim";
import { P2pError, silentLogger } from "@p2p/wire";
import { nodeVerifyEd25519 } from "@p2p/wire/node-crypto";
import { describe, expect, it } from "vitest";
import { createPeerNode } from "../src/peer-node.js";
import { timingProfiles } from "../src/timing.js";
import { createSimNetwork, deliveries } from "./network.js";

const replay = process.env.P2P_SEED;

describe("SeedNode + PeerNode over the simulated network (fast profile)", () => {
  it("3 seeds and 10 peers: all registered, seeds agree, every message delivered once", async () => {
    await forEachSeed(
      2,
      101,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(10, 300, 15_000);

        const peerAddresses = network.peers.map((peer) => peer.address).sort();
        for (const seedNode of network.seeds) {
          const alive = seedNode.node
            .members()
            .filter((entry) => entry.record.status === "alive")
            .map((entry) => entry.record.address)
            .sort();
          expect(alive, `members at ${seedNode.address}`).toEqual(peerAddresses);
        }
        for (const peer of network.peers) {
          const counts = deliveries(peer);
          const origins = new Set(network.peers.map((other) => other.address.split(":")[0]));
          origins.delete(peer.address.split(":")[0]);
          for (const origin of origins) {
            for (let n = 1; n <= 10; n++) {
              const text = [...counts.keys()].find((key) => key.endsWith(`:${origin}:${n}`));
              expect(text, `${peer.address} never got message ${n} of ${origin}`).toBeDefined();
              expect(counts.get(text as string), `${peer.address}: ${text}`).toBe(1);
            }
          }
          expect(peer.node.neighbours().length).toBeGreaterThan(0);
        }
      },
      replay,
    );
  }, 120_000);

  it("a peer learns a later joiner's key by asking for that record, not by fetching the whole directory again", async () => {
    await forEachSeed(
      2,
      303,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(10, 300, 15_000);
        // Every peer got every other peer's messages (the first test), so each one that joined
        // before another had to learn that one's key after its own snapshot.
        for (const peer of network.peers) {
          expect(deliveries(peer).size, peer.address).toBe(9 * 10);
        }
        const fetches = network.peers.map((peer) => peer.node.inspect().directory.fetches);
        const total = (reason: "records" | "requested") =>
          fetches.reduce((sum, counts) => sum + counts[reason], 0);
        expect(total("records")).toBeGreaterThan(0);
        // Whole-directory fetches are left to the overlay (neighbours wanted), a few per peer.
        expect(total("requested")).toBeLessThan(total("records"));
      },
      replay,
    );
  }, 120_000);

  it("a seed restarted without its commit marks (lazy writes a crash may lose) serves every record again", async () => {
    await forEachSeed(
      2,
      505,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(6, 300, 5_000);
        const restarted = network.seeds[0] as (typeof network.seeds)[number];
        const aliveAt = (entry: typeof restarted) =>
          entry.node
            .members()
            .filter((member) => member.record.status === "alive")
            .map((member) => member.record.address)
            .sort();
        const expected = aliveAt(network.seeds[1] as typeof restarted);
        expect(expected).toHaveLength(6);
        // What reached the disk before the crash: every accepted value, none marked committed.
        let stripped = 0;
        for (const [key, state] of restarted.storage.loadAll()) {
          if (state.accepted?.committed !== true) continue;
          const { committed: _, attestations: __, ...accepted } = state.accepted;
          restarted.storage.save(key, { ...state, accepted });
          stripped += 1;
        }
        expect(stripped).toBeGreaterThanOrEqual(6);
        await network.restartSeed(restarted);
        expect(aliveAt(restarted)).toEqual([]); // nothing committed on its disk: nothing served yet
        await network.sim.runForAsync(5_000);
        expect(aliveAt(restarted)).toEqual(expected);
      },
      replay,
    );
  }, 120_000);

  it("a crashed peer is reported by its neighbours and removed at every seed; no live peer is", async () => {
    await forEachSeed(
      2,
      202,
      async (seed) => {
        // The suspects of the vote signatures checked by the nodes' injected verify.
        const voteSuspects: string[] = [];
        const network = await createSimNetwork({
          seed,
          verify: (publicKeyHex, bytes, signature) => {
            const lines = new TextDecoder().decode(bytes).split("\n");
            if (lines[0] === VOTE_SIGNING_VERSION) voteSuspects.push(lines[2] ?? "");
            return nodeVerifyEd25519(publicKeyHex, bytes, signature);
          },
        });
        await network.addPeers(10, 200, 3_000);
        const victim = network.peers[4]!;
        const victimNeighbours = victim.node.neighbours();
        // A peer whose neighbour request the victim had not judged yet lists it too.
        const linked = new Set([
          ...victimNeighbours,
          ...network.peers
            .filter((peer) => peer.node.neighbours().includes(victim.address))
            .map((peer) => peer.address),
        ]);
        network.sim.crash(victim.address);
        await network.sim.runForAsync(15_000);

        for (const seedNode of network.seeds) {
          const records = seedNode.node.members().map((entry) => entry.record);
          const statusOf = (address: string) =>
            records.find((record) => record.address === address)?.status;
          expect(statusOf(victim.address), `victim at ${seedNode.address}`).toBe("dead");
          for (const peer of network.peers) {
            if (peer !== victim) expect(statusOf(peer.address), peer.address).toBe("alive");
          }
        }
        const reporters = network.peers.filter((peer) =>
          peer.events.some(
            (event) =>
              event.type === "dead-reported" &&
              event.line.startsWith(`Dead Node:${victim.address}:`),
          ),
        );
        expect(reporters.length).toBeGreaterThan(0);
        for (const reporter of reporters) expect([...linked]).toContain(reporter.address);
        // The seeds checked the dead votes with the host's verify (node:crypto), not their own.
        expect(voteSuspects).toContain(victim.address);
        // The overlay stays undirected: A lists B exactly when B lists A.
        const live = network.peers.filter((peer) => peer !== victim);
        for (const peer of live) {
          for (const other of live) {
            expect(
              peer.node.neighbours().includes(other.address),
              `${peer.address} ↔ ${other.address}`,
            ).toBe(other.node.neighbours().includes(peer.address));
          }
        }
        for (const neighbour of victimNeighbours) {
          const peer = network.peers.find((candidate) => candidate.address === neighbour)!;
          expect(peer.node.neighbours()).not.toContain(victim.address);
        }
      },
      replay,
    );
  }, 120_000);

  it("a peer whose process ends without a word (its host refuses connections) is suspected without waiting for missed pings, and removed", async () => {
    await forEachSeed(
      2,
      212,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(10, 200, 3_000);
        const victim = network.peers[4]!;
        const suspectedAt: number[] = [];
        for (const peer of network.peers) {
          peer.node.on((event) => {
            if (event.type === "peer-suspected" && event.suspect === victim.address)
              suspectedAt.push(network.sim.now());
          });
        }
        const stoppedAt = network.sim.now();
        // The process ends: its connections close, its port refuses new ones; the host is up.
        await network.sim.settle(victim.node.stop(), { timeoutMs: 5_000 });
        await network.sim.runForAsync(8_000);
        // Three missed pings take at least two ping intervals (2 s in the fast profile).
        expect(suspectedAt.length).toBeGreaterThan(0);
        expect(Math.min(...suspectedAt) - stoppedAt).toBeLessThan(
          2 * timingProfiles.fast.pingIntervalMs,
        );
        for (const seedNode of network.seeds) {
          const record = seedNode.node
            .members()
            .find((entry) => entry.record.address === victim.address);
          expect(record?.record.status, `victim at ${seedNode.address}`).toBe("dead");
        }
      },
      replay,
    );
  }, 120_000);

  it("a clock that moves during a synchronous step (as a real one does) never runs a machine's time backwards", async () => {
    await forEachSeed(
      2,
      303,
      async (seed) => {
        const network = await createSimNetwork({ seed, isClockMoving: true });
        await network.addPeers(6, 200, 3_000);
        const leaver = network.peers[2]!;
        const neighbours = leaver.node.neighbours();
        // the seeds commit the leave and tell its neighbours (node.member-removed); each drops
        // it in liveness and in the overlay while handling that one message
        await network.sim.settle(leaver.node.leave());
        await network.sim.runForAsync(3_000);
        for (const seedNode of network.seeds) {
          const record = seedNode.node
            .members()
            .find((entry) => entry.record.address === leaver.address);
          expect(record?.record.status, `leaver at ${seedNode.address}`).toBe("left");
        }
        for (const peer of network.peers.filter((other) => neighbours.includes(other.address))) {
          expect(peer.node.neighbours(), peer.address).not.toContain(leaver.address);
        }
      },
      replay,
    );
  }, 120_000);

  it("leave() called twice settles both calls; stop() during start() rejects start", async () => {
    const network = await createSimNetwork({ seed: 404 });
    await network.addPeers(3, 200, 1_000);
    const leaver = network.peers[0]!;
    const first = leaver.node.leave();
    const second = leaver.node.leave();
    await network.sim.settle(Promise.all([first, second]), { timeoutMs: 30_000 });
    await network.sim.settle(leaver.node.leave(), { timeoutMs: 1_000 }); // after it left

    // a peer whose seeds never answer is still registering when it is stopped
    const lonely = createPeerNode({
      address: "10.0.9.9:6000",
      seeds: [{ address: "10.0.9.1:5000", key: "ab".repeat(32) }],
      transport: network.sim.transport("10.0.9.9:6000"),
      clock: network.sim.clockFor("10.0.9.9:6000"),
      random: network.sim.random("lonely"),
      logger: silentLogger,
      timing: timingProfiles.fast,
      registrationRetryMs: 1_000,
    });
    const starting = lonely.start().then(
      () => "started",
      (error: unknown) => (P2pError.is(error) ? error.code : String(error)),
    );
    await network.sim.runForAsync(3_000);
    await network.sim.settle(lonely.stop());
    expect(await network.sim.settle(starting, { timeoutMs: 1_000 })).toBe("STOPPED");
  }, 60_000);
});
