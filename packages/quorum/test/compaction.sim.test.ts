import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import { isCompacted, type MemberRecord, type QuorumMessage } from "../src/index.js";
import { createCluster } from "./cluster.js";

const replay = process.env.P2P_SEED;
const victim = "10.9.0.1:7000";
const neighbours = ["10.8.0.1:7000", "10.8.0.2:7000"];

describe("tombstone compaction", () => {
  it("compacts old tombstones without letting a stale accepted value resurrect the peer", async () => {
    await forEachSeed(
      15,
      800,
      (seed) => {
        const cluster = createCluster({
          seed,
          seedCount: 3,
          link: { latencyMs: 5, jitterMs: 5 },
          registry: { tombstoneRetentionMs: 2_000, compactionIntervalMs: 500 },
        });
        const [a, b, c] = cluster.seeds as [string, string, string];
        const host = (address: string) => {
          const found = cluster.hosts.get(address);
          if (found === undefined) throw new Error(address);
          return found;
        };
        cluster.command(a, { type: "register", operationId: "join", address: victim, neighbours });
        cluster.sim.runFor(1_000);
        const stale = host(c).registry.acceptorState(victim)?.accepted;
        expect(stale?.value?.status).toBe("alive");
        // c misses the removal: it keeps the stale "alive" accepted value.
        cluster.sim.partition([c], [a, b]);
        cluster.command(a, {
          type: "mark-dead",
          operationId: "remove",
          address: victim,
          incarnation: 0,
          evidence: { voters: neighbours },
        });
        cluster.sim.runFor(6_000); // past the retention: a and b compact the tombstone
        for (const address of [a, b]) {
          const value = host(address).registry.acceptorState(victim)?.accepted?.value;
          expect(value?.status).toBe("dead");
          expect(isCompacted(value as MemberRecord)).toBe(true);
        }
        expect(host(c).registry.acceptorState(victim)?.accepted?.value?.status).toBe("alive");
        cluster.sim.heal();
        // A replay of the old accept (the stale value at its old ballot) is refused everywhere.
        if (stale !== undefined && stale !== null) {
          const replayed: QuorumMessage = {
            type: "quorum.accept",
            requestId: "replayed",
            key: victim,
            ballot: stale.ballot,
            value: stale.value,
            operations: [...stale.operations],
            nextBallot: null,
          };
          for (const to of [a, b]) cluster.sim.send(stale.ballot.proposer, to, replayed);
          cluster.sim.runFor(100);
        }
        // A quorum read through the stale seed sees the tombstone, never the old record.
        cluster.command(c, { type: "read", operationId: "read", address: victim });
        cluster.sim.runFor(2_000);
        const read = host(c).events.find(
          (event) => event.type === "operation-completed" && event.operationId === "read",
        );
        expect(
          read?.type === "operation-completed" && read.result.ok && read.result.value?.status,
        ).toBe("dead");
        // The peer comes back only as a new incarnation.
        cluster.command(c, { type: "register", operationId: "rejoin", address: victim });
        cluster.sim.runFor(2_000);
        expect(host(c).registry.get(victim)?.record).toMatchObject({
          status: "alive",
          incarnation: 1,
        });
      },
      replay,
    );
  });
});
