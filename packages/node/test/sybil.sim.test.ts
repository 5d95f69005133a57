import { signVote } from "@p2p/liveness";
import { signRequest } from "@p2p/quorum";
import { forEachSeed } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { Links } from "../src/link-types.js";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { simulatedIdentity } from "../src/simulated-identity.js";
import { createSimNetwork, EPOCH_MS, nativeCrypto, type SimNetwork } from "./network.js";

const replay = process.env.P2P_SEED;

/** A self-made identity: a real listener of its own address (it proves it), and a key. */
async function sybil(network: SimNetwork, address: string) {
  const identity = simulatedIdentity(network.sim.random(`sybil ${address}`));
  const links: Links<WireMessage> = createLinks<WireMessage>({
    self: address,
    role: "peer",
    transport: network.sim.transport(address),
    clock: network.sim.clockFor(address),
    codec: createWireCodec(),
    logger: silentLogger,
    identity: identity.signer,
    randomBytes: identity.randomBytes,
    seeds: network.pinnedSeeds,
    ...nativeCrypto,
  });
  await network.sim.settle(links.listen());
  return { address, links, signer: identity.signer };
}

const recordAt = (network: SimNetwork, index: number, address: string) =>
  network.seeds[index]!.node.members().find((entry) => entry.record.address === address)?.record;

describe("self-made identities cannot vote a live peer out (simulated network)", () => {
  it("Sybils that list a live peer as their neighbour are not its voters", async () => {
    await forEachSeed(
      2,
      1300,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(6, 200, 2_000);
        const victim = network.peers[1]!;
        const before = recordAt(network, 0, victim.address)!;
        const sybils = [];
        for (let index = 1; index <= 12; index++) {
          const identity = await sybil(network, `10.0.7.${index}:6000`);
          for (const seedNode of network.seeds) {
            const requestId = `sybil-${index}-${seedNode.address}`;
            const proof = signRequest(
              {
                kind: "register",
                address: identity.address,
                publicKey: identity.signer.publicKey,
                incarnation: null,
                neighbours: [victim.address],
                requestId,
              },
              identity.signer.sign,
            );
            identity.links.send(seedNode.address, {
              type: "quorum.register-request",
              requestId,
              address: identity.address,
              publicKey: identity.signer.publicKey,
              neighbours: [victim.address],
              proof,
            });
          }
          sybils.push(identity);
        }
        await network.sim.runForAsync(3_000);
        for (const identity of sybils) {
          expect(recordAt(network, 0, identity.address)?.neighbours).toEqual([victim.address]);
        }
        const answers: string[] = [];
        sybils[0]!.links.on("message", (_from, message) => {
          if (message.type === "quorum.operation-response") {
            answers.push(message.ok ? "ok" : `${message.error?.code}: ${message.error?.message}`);
          }
        });
        const wallTimeMs = Math.round(EPOCH_MS + network.sim.now());
        const votes = sybils.map((identity) =>
          signVote(
            {
              voter: identity.address,
              suspect: victim.address,
              incarnation: before.incarnation,
              round: "00000000000000a1",
              verdict: "dead",
              issuedAtMs: wallTimeMs,
            },
            identity.signer.sign,
          ),
        );
        for (const seedNode of network.seeds) {
          sybils[0]!.links.send(seedNode.address, {
            type: "quorum.dead-report",
            requestId: `sybil-report-${seedNode.address}`,
            address: victim.address,
            incarnation: before.incarnation,
            evidence: {
              suspect: victim.address,
              incarnation: before.incarnation,
              round: "00000000000000a1",
              reporter: sybils[0]!.address,
              votes,
              insufficientNeighbours: false,
            },
          });
        }
        await network.sim.runForAsync(5_000);
        // The report is refused (its voters are not the victim's neighbours), nothing changes.
        expect(answers.length).toBeGreaterThan(0);
        expect(answers.every((answer) => answer.startsWith("EVIDENCE_INVALID"))).toBe(true);
        for (let index = 0; index < network.seeds.length; index++) {
          expect(recordAt(network, index, victim.address)).toMatchObject({
            status: "alive",
            incarnation: before.incarnation,
          });
        }
        expect(victim.events.some((event) => event.type === "rejoined")).toBe(false);
        for (const identity of sybils) await identity.links.close();
      },
      replay,
    );
  }, 120_000);
});
