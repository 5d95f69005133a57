import { createEd25519Signer, keyPairFromSeed } from "@p2p/liveness";
import type { MemberRecord, QuorumMessage } from "@p2p/quorum";
import { forEachSeed } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { Links } from "../src/link-types.js";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { createSimNetwork, nativeCrypto, type SimNetwork } from "./network.js";

const replay = process.env.P2P_SEED;
/** Where the attacker really is: it dials from here and listens nowhere. */
const ATTACKER = "10.0.66.6:6000";
const attackerSigner = createEd25519Signer(keyPairFromSeed(new Uint8Array(32).fill(66)).secretKey);

/**
 * A stranger on the network that claims to be `claims` (with its own key: it has no other),
 * speaking through the node's own link layer.
 */
function attacker(network: SimNetwork, claims: string, role: "seed" | "peer"): Links<WireMessage> {
  let counter = 0;
  return createLinks<WireMessage>({
    self: claims,
    role,
    transport: network.sim.transport(ATTACKER),
    clock: network.sim.clockFor(ATTACKER),
    codec: createWireCodec(),
    logger: silentLogger,
    identity: attackerSigner,
    ...nativeCrypto,
    randomBytes: (length) => Uint8Array.from({ length }, () => (counter++ * 73 + 11) % 256),
  });
}

const recordsOf = (network: SimNetwork, address: string) =>
  network.seeds.map(
    (seed) => seed.node.members().find((entry) => entry.record.address === address)?.record,
  );

/** Every seed holds `before` for `address`, unchanged, and the peer never had to rejoin. */
function expectUnchanged(network: SimNetwork, address: string, before: MemberRecord): void {
  for (const record of recordsOf(network, address)) {
    expect(record?.status).toBe("alive");
    expect(record?.incarnation).toBe(before.incarnation);
    expect(record?.publicKey).toBe(before.publicKey);
  }
  const peer = network.peers.find((candidate) => candidate.address === address);
  expect(peer?.events.some((event) => event.type === "rejoined")).toBe(false);
}

/** True when some node logged that it refused a link claiming `what` (`<address>: <code>`). */
const refusals = (network: SimNetwork, what: string) =>
  network.warnings.some((line) => line.includes(`refused a link from ${what}`));

describe("no stranger can speak for a seed or a peer (simulated network)", () => {
  it("a forged leave (a connection claiming a live peer's address) changes nothing", async () => {
    await forEachSeed(
      2,
      910,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(4, 200, 2_000);
        const victim = network.peers[1]!;
        const before = recordsOf(network, victim.address)[0]!;
        const forger = attacker(network, victim.address, "peer");
        for (let round = 0; round < 3; round++) {
          for (const seedNode of network.seeds) {
            forger.send(seedNode.address, {
              type: "quorum.leave-request",
              requestId: `forged-leave-${round}`,
              address: victim.address,
              incarnation: before.incarnation,
            });
          }
          await network.sim.runForAsync(2_000);
        }
        await network.sim.runForAsync(4_000);
        expectUnchanged(network, victim.address, before);
        expect(refusals(network, `${victim.address}: ADDRESS_NOT_PROVEN`)).toBe(true);
        await forger.close();
      },
      replay,
    );
  }, 120_000);

  it("a forged seed round (status and key takeover) changes nothing", async () => {
    await forEachSeed(
      2,
      920,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(4, 200, 2_000);
        const victim = network.peers[2]!;
        const before = recordsOf(network, victim.address)[0]!;
        const [a, b, c] = network.seeds.map((entry) => entry.address) as [string, string, string];
        const forger = attacker(network, b, "seed");
        const values: MemberRecord[] = [
          { ...before, status: "left", changedAt: before.changedAt + 1 },
          {
            ...before,
            incarnation: before.incarnation + 7,
            publicKey: attackerSigner.publicKey,
            changedAt: before.changedAt + 2,
          },
        ];
        let counter = 100_000;
        for (const value of values) {
          counter += 1_000;
          const ballot = { counter, proposer: b };
          const prepare: QuorumMessage = {
            type: "quorum.prepare",
            requestId: `forged-prepare-${counter}`,
            key: victim.address,
            ballot,
          };
          const accept: QuorumMessage = {
            type: "quorum.accept",
            requestId: `forged-accept-${counter}`,
            key: victim.address,
            ballot,
            value,
            operations: [`forged-${counter}`],
            nextBallot: null,
          };
          for (const to of [a, c]) {
            forger.send(to, prepare);
            forger.send(to, accept);
            forger.send(to, {
              type: "quorum.learn",
              key: victim.address,
              ballot,
              value,
            });
          }
          await network.sim.runForAsync(3_000);
        }
        // Long enough for anti-entropy to spread anything the acceptors took.
        await network.sim.runForAsync(15_000);
        expectUnchanged(network, victim.address, before);
        expect(refusals(network, `${b}: ROLE_REFUSED`)).toBe(true);
        await forger.close();
      },
      replay,
    );
  }, 120_000);

  it("a phantom (an address where nothing listens) is not registered", async () => {
    await forEachSeed(
      2,
      930,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(2, 200, 1_000);
        const phantom = "10.0.1.99:6000";
        const forger = attacker(network, phantom, "peer");
        for (const seedNode of network.seeds) {
          forger.send(seedNode.address, {
            type: "quorum.register-request",
            requestId: "phantom-1",
            address: phantom,
            publicKey: attackerSigner.publicKey,
          });
        }
        await network.sim.runForAsync(8_000);
        for (const record of recordsOf(network, phantom)) expect(record).toBeUndefined();
        expect(network.warnings.some((line) => line.includes("ADDRESS_NOT_PROVEN"))).toBe(true);
        await forger.close();
      },
      replay,
    );
  }, 120_000);

  it("a promise at the top of the ballot range from a stranger does not wedge a seed, also after a restart", async () => {
    await forEachSeed(
      2,
      940,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(2, 200, 1_000);
        const [a, b] = network.seeds.map((entry) => entry.address) as [string, string];
        const forger = attacker(network, b, "seed");
        const top = { counter: 2 ** 48, proposer: b }; // the highest counter the wire carries
        for (const key of [network.peers[0]!.address, "10.0.1.3:6000", "10.0.1.4:6000"]) {
          forger.send(a, {
            type: "quorum.promise",
            requestId: `wedge-${key}`,
            key,
            ballot: top,
            ok: false,
            promised: top,
            accepted: null,
          });
          forger.send(a, { type: "quorum.prepare", requestId: `wedge-p-${key}`, key, ballot: top });
        }
        await network.sim.runForAsync(2_000);
        await network.addPeer(3);
        await network.restartSeed(network.seeds[0]!);
        await network.addPeer(4);
        await network.sim.runForAsync(3_000);
        for (const address of ["10.0.1.3:6000", "10.0.1.4:6000"]) {
          for (const record of recordsOf(network, address)) expect(record?.status).toBe("alive");
        }
        expect(network.seeds[0]!.node.registry.inspect().highestCounterSeen).toBeLessThan(2 ** 47);
        expect(
          network.warnings.some((line) => line.includes(`refused a link from ${b}: ROLE_REFUSED`)),
        ).toBe(true);
        await forger.close();
      },
      replay,
    );
  }, 120_000);

  it("an impostor of a peer receives none of that peer's traffic", async () => {
    await forEachSeed(
      2,
      950,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(4, 200, 2_000);
        const victim = network.peers[0]!;
        const neighbour = network.peers.find((peer) =>
          peer.node.neighbours().includes(victim.address),
        )!;
        const forger = attacker(network, victim.address, "peer");
        const stolen: WireMessage[] = [];
        forger.on("message", (_from, message) => stolen.push(message));
        forger.send(neighbour.address, { type: "liveness.ping", sequence: 1, sentAtMs: 0 });
        for (const seedNode of network.seeds) {
          forger.send(seedNode.address, {
            type: "quorum.get-request",
            requestId: "impostor-get",
            address: victim.address,
          });
        }
        await network.sim.runForAsync(500);
        neighbour.node.publish(new TextEncoder().encode("for the real peer"));
        await network.sim.runForAsync(3_000);
        expect(stolen.filter((message) => message.type === "gossip.message")).toEqual([]);
        expect(
          victim.events.some(
            (event) => event.type === "message-delivered" && event.text === "for the real peer",
          ),
        ).toBe(true);
        expect(refusals(network, `${victim.address}: ADDRESS_NOT_PROVEN`)).toBe(true);
        await forger.close();
      },
      replay,
    );
  }, 120_000);
});
