import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import {
  type MemberRecord,
  type QuorumMessage,
  type RequestProof,
  signRequest,
} from "../src/index.js";
import { createCluster } from "./cluster.js";
import { testKey, verifySignature } from "./keys.js";

const replay = process.env.P2P_SEED;
const victim = "10.9.0.1:7000";
const neighbours = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000"];
const keyOf = testKey;
const peerKey = keyOf();
const rogueKey = keyOf();

/** The victim's own signed registration. */
const registration = (): RequestProof =>
  signRequest(
    {
      kind: "register",
      address: victim,
      publicKey: peerKey.publicKey,
      incarnation: null,
      neighbours,
      requestId: "victim/1",
    },
    peerKey.sign,
  );

describe("every acceptor checks the peer's own signed request (transition table)", () => {
  it("one rogue seed cannot make a live peer leave, jump its incarnation, rotate its key or rewrite its neighbours", async () => {
    await forEachSeed(
      10,
      1200,
      (seed) => {
        const cluster = createCluster({
          seed,
          seedCount: 3,
          link: { latencyMs: 5 },
          verifySignature,
        });
        const [a, b, rogue] = cluster.seeds as [string, string, string];
        cluster.command(a, {
          type: "register",
          operationId: "join",
          address: victim,
          publicKey: peerKey.publicKey,
          neighbours,
          proof: registration(),
        });
        cluster.sim.runFor(1_000);
        const before = cluster.hosts.get(a)?.registry.get(victim)?.record;
        expect(before?.status).toBe("alive");
        cluster.crash(rogue);
        cluster.sim.restart(rogue);
        const forged: MemberRecord[] = [
          // leave, with no proof and with a proof signed by the rogue's key
          { ...before!, status: "left", neighbours: [], proof: undefined },
          {
            ...before!,
            status: "left",
            neighbours: [],
            proof: signRequest(
              {
                kind: "leave",
                address: victim,
                publicKey: rogueKey.publicKey,
                incarnation: 0,
                neighbours: null,
                requestId: "rogue/leave",
              },
              rogueKey.sign,
            ),
          },
          // an incarnation jump with the rogue's key, self-signed
          {
            ...before!,
            incarnation: 7,
            publicKey: rogueKey.publicKey,
            proof: signRequest(
              {
                kind: "register",
                address: victim,
                publicKey: rogueKey.publicKey,
                incarnation: null,
                neighbours,
                requestId: "rogue/register",
              },
              rogueKey.sign,
            ),
          },
          // the same incarnation with another key
          { ...before!, publicKey: rogueKey.publicKey },
          // other neighbours (voters of the rogue's choice) with the victim's old proof
          { ...before!, neighbours: ["10.66.0.1:7000", "10.66.0.2:7000"] },
        ];
        let counter = 1_000;
        for (const value of forged) {
          counter += 10;
          const ballot = { counter, proposer: rogue };
          for (const to of [a, b]) {
            const prepare: QuorumMessage = {
              type: "quorum.prepare",
              requestId: `rogue-p-${counter}`,
              key: victim,
              ballot,
            };
            const accept: QuorumMessage = {
              type: "quorum.accept",
              requestId: `rogue-a-${counter}`,
              key: victim,
              ballot,
              value: JSON.parse(JSON.stringify(value)) as MemberRecord,
              operations: [`rogue-${counter}`],
              nextBallot: null,
            };
            cluster.sim.send(rogue, to, prepare);
            cluster.sim.send(rogue, to, accept);
          }
          cluster.sim.runFor(200);
        }
        for (const address of [a, b]) {
          const accepted = cluster.hosts.get(address)?.registry.acceptorState(victim)?.accepted;
          expect(accepted?.value).toMatchObject({
            status: "alive",
            incarnation: 0,
            publicKey: peerKey.publicKey,
            neighbours: [...neighbours].sort(),
          });
        }
      },
      replay,
    );
  });
});
