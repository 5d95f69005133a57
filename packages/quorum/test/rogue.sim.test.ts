import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import type { MemberRecord, QuorumMessage } from "../src/index.js";
import { createCluster } from "./cluster.js";

const replay = process.env.P2P_SEED;
const victim = "10.9.0.1:7000";
const neighbours = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000"];

const forgedRemoval = (
  proposer: string,
  counter: number,
  evidence: unknown,
): { prepare: QuorumMessage; accept: QuorumMessage } => {
  const ballot = { counter, proposer };
  const value: MemberRecord = {
    address: victim,
    status: "dead",
    incarnation: 0,
    neighbours,
    changedAt: 0,
    ...(evidence === undefined ? {} : { evidence }),
  };
  return {
    prepare: { type: "quorum.prepare", requestId: "rogue-1", key: victim, ballot },
    accept: {
      type: "quorum.accept",
      requestId: "rogue-2",
      key: victim,
      ballot,
      value,
      operations: ["rogue"],
      nextBallot: null,
    },
  };
};

describe("no unilateral change", () => {
  it("a rogue seed or forged proposer cannot remove a peer without valid evidence", async () => {
    await forEachSeed(
      20,
      700,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5 } });
        const [a, b, rogue] = cluster.seeds as [string, string, string];
        cluster.command(a, { type: "register", operationId: "join", address: victim, neighbours });
        cluster.sim.runFor(1_000);
        // The rogue seed stops running the protocol and sends forged messages instead.
        cluster.crash(rogue);
        cluster.sim.restart(rogue);
        const attempts: [string, unknown][] = [
          [rogue, undefined], // no evidence at all
          [rogue, { voters: ["10.8.0.1:7000"] }], // one vote
          [rogue, { voters: ["10.66.0.1:7000", "10.66.0.2:7000"] }], // votes from non-neighbours
          ["10.66.6.6:5000", { voters: neighbours }], // a non-seed claiming a ballot
        ];
        let counter = 1_000;
        for (const [sender, evidence] of attempts) {
          counter += 1;
          const forged = forgedRemoval(sender, counter, evidence);
          for (const to of [a, b]) {
            cluster.sim.send(sender, to, forged.prepare);
            cluster.sim.send(sender, to, forged.accept);
          }
          cluster.sim.runFor(200);
        }
        // A forged message claiming to come from an honest seed, with a ballot naming it.
        const spoofed = forgedRemoval(a, 5_000, { voters: ["nobody"] });
        cluster.sim.send(a, b, spoofed.prepare);
        cluster.sim.send(a, b, spoofed.accept);
        cluster.sim.runFor(200);
        // A lying learn message does not plant the removal in anyone's local view.
        const forgedLearn: QuorumMessage = {
          type: "quorum.learn",
          key: victim,
          ballot: { counter: 9_000, proposer: rogue },
          value: {
            address: victim,
            status: "dead",
            incarnation: 0,
            neighbours,
            changedAt: 0,
            evidence: { voters: [] },
          },
        };
        for (const to of [a, b]) cluster.sim.send(rogue, to, forgedLearn);
        cluster.sim.runFor(1_000);
        for (const seedAddress of [a, b]) {
          const state = cluster.hosts.get(seedAddress)?.registry.acceptorState(victim);
          expect(state?.accepted?.value?.status).toBe("alive");
          expect(cluster.hosts.get(seedAddress)?.registry.get(victim)?.record.status).toBe("alive");
        }
        cluster.command(a, { type: "read", operationId: "check", address: victim });
        cluster.sim.runFor(2_000);
        const read = cluster.hosts
          .get(a)
          ?.events.find(
            (event) => event.type === "operation-completed" && event.operationId === "check",
          );
        expect(
          read?.type === "operation-completed" && read.result.ok && read.result.value?.status,
        ).toBe("alive");
        // With valid evidence, the honest path removes it.
        cluster.command(b, {
          type: "mark-dead",
          operationId: "remove",
          address: victim,
          incarnation: 0,
          evidence: { voters: ["10.8.0.1:7000", "10.8.0.3:7000"] },
        });
        cluster.sim.runFor(2_000);
        expect(cluster.hosts.get(b)?.registry.get(victim)?.record.status).toBe("dead");
        expect(cluster.hosts.get(b)?.events.some((event) => event.type === "member-removed")).toBe(
          true,
        );
      },
      replay,
    );
  });

  it("a reply with a huge ballot counter, even from a seed's address, does not wedge a proposer (also after a restart)", async () => {
    await forEachSeed(
      4,
      750,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5 } });
        const [a, b, c] = cluster.seeds as [string, string, string];
        const huge = { counter: Number.MAX_SAFE_INTEGER, proposer: c };
        const lie = (
          requestId: string,
          type: "quorum.promise" | "quorum.accepted",
        ): QuorumMessage =>
          type === "quorum.promise"
            ? {
                type,
                requestId,
                key: victim,
                ballot: { counter: 1, proposer: a },
                ok: false,
                promised: huge,
                accepted: null,
              }
            : {
                type,
                requestId,
                key: victim,
                ballot: { counter: 1, proposer: a },
                ok: false,
                promised: huge,
                reason: null,
              };
        // unsolicited refusals that claim a ballot at the top of the safe integers
        cluster.sim.send(c, a, lie("stale", "quorum.promise"));
        cluster.sim.send(c, a, lie("stale", "quorum.accepted"));
        // a prepare at that height, as a seed's own
        cluster.sim.send(c, a, {
          type: "quorum.prepare",
          requestId: "high",
          key: victim,
          ballot: huge,
        });
        cluster.sim.runFor(200);
        const commits = (seedAddress: string, operationId: string) => {
          cluster.command(seedAddress, {
            type: "register",
            operationId,
            address: victim,
            neighbours,
          });
          cluster.sim.runFor(3_000);
          const done = cluster.hosts
            .get(seedAddress)
            ?.events.find(
              (event) => event.type === "operation-completed" && event.operationId === operationId,
            );
          return done?.type === "operation-completed" && done.result.ok;
        };
        expect(commits(a, "after the lie"), "seed a commits after the forged replies").toBe(true);
        cluster.crash(a);
        cluster.restart(a);
        cluster.sim.runFor(500);
        expect(commits(a, "after a restart"), "seed a commits after a restart").toBe(true);
        expect(commits(b, "at another seed"), "seed b commits").toBe(true);
      },
      replay,
    );
  });
});
