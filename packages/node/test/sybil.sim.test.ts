import { signVote } from "@p2p/liveness";
import { signRequest } from "@p2p/quorum";
import { forEachSeed } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { Links } from "../src/link-types.js";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { simulatedIdentity } from "../src/simulated-identity.js";
import {
  createSimNetwork,
  EPOCH_MS,
  nativeCrypto,
  type SimNetwork,
  type SimPeer,
} from "./network.js";

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

type Sybil = Awaited<ReturnType<typeof sybil>>;

/** The identity asks every seed to register it with `neighbours` (a signed request of its own). */
function register(network: SimNetwork, identity: Sybil, neighbours: string[]): void {
  for (const seedNode of network.seeds) {
    const requestId = `sybil-${identity.address}-${seedNode.address}`;
    const proof = signRequest(
      {
        kind: "register",
        address: identity.address,
        publicKey: identity.signer.publicKey,
        incarnation: null,
        neighbours,
        requestId,
      },
      identity.signer.sign,
    );
    identity.links.send(seedNode.address, {
      type: "quorum.register-request",
      requestId,
      address: identity.address,
      publicKey: identity.signer.publicKey,
      neighbours,
      proof,
    });
  }
}

/** Every answer the identity gets to its requests, as `ok` or `CODE: message`. */
function answersTo(identity: Sybil): string[] {
  const answers: string[] = [];
  identity.links.on("message", (_from, message) => {
    if (message.type === "quorum.register-response" || message.type === "quorum.operation-response")
      answers.push(message.ok ? "ok" : `${message.error?.code}: ${message.error?.message}`);
  });
  return answers;
}

/** The victim is alive at its incarnation at every seed and never had to rejoin. */
function expectUntouched(network: SimNetwork, victim: SimPeer, incarnation: number): void {
  for (let index = 0; index < network.seeds.length; index++) {
    expect(recordAt(network, index, victim.address)).toMatchObject({
      status: "alive",
      incarnation,
    });
  }
  expect(victim.events.some((event) => event.type === "rejoined")).toBe(false);
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
          register(network, identity, [victim.address]);
          sybils.push(identity);
        }
        await network.sim.runForAsync(3_000);
        for (const identity of sybils) {
          expect(recordAt(network, 0, identity.address)?.neighbours).toEqual([victim.address]);
        }
        const answers = answersTo(sybils[0]!);
        reportDead(network, sybils, victim.address, before.incarnation);
        await network.sim.runForAsync(5_000);
        // The report is refused (its voters are not the victim's neighbours), nothing changes.
        expect(answers.length).toBeGreaterThan(0);
        expect(answers.every((answer) => answer.startsWith("EVIDENCE_INVALID"))).toBe(true);
        expectUntouched(network, victim, before.incarnation);
        for (const identity of sybils) await identity.links.close();
      },
      replay,
    );
  }, 120_000);
});

/** Every identity signs a dead vote about `victim` and the first one reports it to every seed. */
function reportDead(network: SimNetwork, identities: Sybil[], victim: string, incarnation: number) {
  const wallTimeMs = Math.round(EPOCH_MS + network.sim.now());
  const round = "00000000000000a1";
  const votes = identities.map((identity) =>
    signVote(
      {
        voter: identity.address,
        suspect: victim,
        incarnation,
        round,
        verdict: "dead",
        issuedAtMs: wallTimeMs,
      },
      identity.signer.sign,
    ),
  );
  const reporter = identities[0]!;
  for (const seedNode of network.seeds) {
    reporter.links.send(seedNode.address, {
      type: "quorum.dead-report",
      requestId: `sybil-report-${seedNode.address}-${network.sim.now()}`,
      address: victim,
      incarnation,
      evidence: {
        suspect: victim,
        incarnation,
        round,
        reporter: reporter.address,
        votes,
        insufficientNeighbours: false,
      },
    });
  }
}

describe("self-made identities that ask a live peer to be their neighbour", () => {
  it("four, then a majority of Sybils from one host: the peer accepts at most two of them and is never removed", async () => {
    await forEachSeed(
      2,
      1400,
      async (seed) => {
        const network = await createSimNetwork({ seed });
        await network.addPeers(6, 200, 2_000);
        // The peer with the most real neighbours (a hub of the power-law overlay).
        const victim = [...network.peers].sort(
          (x, y) => y.node.neighbours().length - x.node.neighbours().length,
        )[0]!;
        const real = victim.node.neighbours().length;
        const before = recordAt(network, 0, victim.address)!;
        const sybils: Sybil[] = [];
        for (const count of [4, 12]) {
          while (sybils.length < count) {
            const identity = await sybil(network, `10.0.7.1:${6001 + sybils.length}`);
            register(network, identity, [victim.address]);
            sybils.push(identity);
          }
          await network.sim.runForAsync(2_000);
          for (const identity of sybils)
            identity.links.send(victim.address, { type: "node.neighbour" });
          await network.sim.runForAsync(3_000);
          const accepted = victim.node
            .neighbours()
            .filter((address) => address.startsWith("10.0.7.1:"));
          expect(accepted.length).toBeLessThanOrEqual(2);
          expect(victim.node.neighbours().length).toBeLessThanOrEqual(real + 2);
          reportDead(network, sybils, victim.address, before.incarnation);
          await network.sim.runForAsync(5_000);
          expectUntouched(network, victim, before.incarnation);
        }
        for (const identity of sybils) await identity.links.close();
      },
      replay,
    );
  }, 120_000);
});

describe("closed membership", () => {
  it("the seeds register only allowed keys: a stranger's valid signed request is refused by every seed", async () => {
    await forEachSeed(
      2,
      1500,
      async (seed) => {
        const network = await createSimNetwork({ seed, admittedPeers: 4 });
        await network.addPeers(4, 200, 2_000);
        for (const peer of network.peers) {
          expect(recordAt(network, 0, peer.address)?.status).toBe("alive");
        }
        const stranger = await sybil(network, "10.0.7.1:6001");
        const answers = answersTo(stranger);
        register(network, stranger, [network.peers[0]!.address]);
        await network.sim.runForAsync(3_000);
        expect(answers.length).toBe(network.seeds.length);
        expect(answers.every((answer) => answer.startsWith("NOT_ADMITTED"))).toBe(true);
        for (let index = 0; index < network.seeds.length; index++) {
          expect(recordAt(network, index, stranger.address)).toBeUndefined();
        }
        await stranger.links.close();
      },
      replay,
    );
  }, 120_000);
});
