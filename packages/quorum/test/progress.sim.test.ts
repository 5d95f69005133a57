import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import type { MemberRecord, SeedRegistryEvent } from "../src/index.js";
import { type Cluster, createCluster } from "./cluster.js";
import { runWorkload } from "./workload.js";

const replay = process.env.P2P_SEED;

type Completed = Extract<SeedRegistryEvent, { type: "operation-completed" }>;

const completions = (cluster: Cluster, address: string): Completed[] =>
  (cluster.hosts.get(address)?.events ?? []).filter(
    (event): event is Completed => event.type === "operation-completed",
  );

const peer = (index: number): string => `10.9.${Math.floor(index / 200)}.${(index % 200) + 1}:7000`;

/** Acceptors (across all seeds) holding `address` as an accepted value. */
const holders = (cluster: Cluster, address: string): number =>
  cluster.seeds.filter(
    (seed) => cluster.hosts.get(seed)?.registry.acceptorState(address)?.accepted?.value != null,
  ).length;

describe("progress", () => {
  it("with a majority connected and no loss, every operation commits", async () => {
    await forEachSeed(
      30,
      100,
      (seed) => {
        const result = runWorkload({
          seed,
          seedCount: seed % 2 === 0 ? 3 : 5,
          clients: 6,
          operationsPerClient: 10,
          keys: 3,
          reorderRate: 0.2,
        });
        expect(result.unknown).toBe(0);
        expect(result.answered).toBe(60);
      },
      replay,
    );
  });

  it("isolating one of three seeds does not stop registrations", async () => {
    await forEachSeed(
      10,
      200,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5, jitterMs: 5 } });
        const [first, second, isolated] = cluster.seeds as [string, string, string];
        cluster.sim.partition([isolated], [first, second]);
        for (let index = 0; index < 20; index++) {
          cluster.command(index % 2 === 0 ? first : second, {
            type: "register",
            operationId: `register-${index}`,
            address: peer(index),
          });
        }
        cluster.sim.runFor(5_000);
        const done = [...completions(cluster, first), ...completions(cluster, second)];
        expect(done).toHaveLength(20);
        expect(done.every((event) => event.result.ok)).toBe(true);
        // the isolated seed cannot commit on its own
        cluster.command(isolated, { type: "register", operationId: "alone", address: peer(99) });
        cluster.sim.runFor(5_000);
        const alone = completions(cluster, isolated).find((event) => event.operationId === "alone");
        expect(alone?.result.ok).toBe(false);
        expect(alone?.result.ok === false && alone.result.error.code).toBe("NO_QUORUM");
        // after healing, the isolated seed learns the committed registrations through a quorum read
        cluster.sim.heal();
        cluster.command(isolated, { type: "read", operationId: "read", address: peer(3) });
        cluster.sim.runFor(2_000);
        const read = completions(cluster, isolated).find((event) => event.operationId === "read");
        expect(read?.result.ok && (read.result.value as MemberRecord).status).toBe("alive");
      },
      replay,
    );
  });

  it("links slower than one attempt's timeout (a loaded host, a WAN) still commit: one proposer, and all three on one key", async () => {
    await forEachSeed(
      10,
      500,
      (seed) => {
        // 150 ms each way: every phase's round trip (300 ms) outlasts the first attempt's timeout.
        const cluster = createCluster({
          seed,
          seedCount: 3,
          link: { latencyMs: 150, jitterMs: 30 },
        });
        const [a, b, c] = cluster.seeds as [string, string, string];
        cluster.command(a, { type: "register", operationId: "alone", address: peer(1) });
        cluster.sim.runFor(3_500);
        const alone = completions(cluster, a).find((event) => event.operationId === "alone");
        expect(alone?.result.ok, JSON.stringify(alone?.result)).toBe(true);
        // Every seed proposes a change of the same key at once (as when three seeds each get a
        // dead report about one peer): one of them must win before the operations' deadlines.
        for (const [index, at] of [a, b, c].entries()) {
          cluster.command(at, {
            type: "update-neighbours",
            operationId: `same-key-${index}`,
            address: peer(1),
            neighbours: [peer(10 + index)],
          });
        }
        cluster.sim.runFor(3_500);
        const contended = [a, b, c].flatMap((at) =>
          completions(cluster, at).filter((event) => event.operationId.startsWith("same-key-")),
        );
        expect(contended).toHaveLength(3);
        expect(
          contended.some((event) => event.result.ok),
          contended.map((event) => JSON.stringify(event.result)).join("\n"),
        ).toBe(true);
      },
      replay,
    );
  });

  it("a proposer that saw its acceptors answer slowly waits that long: later operations need one attempt each", async () => {
    await forEachSeed(
      10,
      600,
      (seed) => {
        // 150 ms each way, as above: the first attempts time out before their answers arrive.
        // The late answers tell the proposer how long its round trips take; abandoning every
        // first attempt (a new ballot each time) would double the work and the latency.
        const a = "10.0.0.1:5000";
        const attempts = new Map<string, Set<string>>(); // key → request ids of a's attempts
        const cluster = createCluster({
          seed,
          seedCount: 3,
          link: { latencyMs: 150, jitterMs: 30 },
          observer: {
            output(address, output) {
              if (address !== a || output.type !== "send") return;
              const message = output.message;
              if (message.type !== "quorum.prepare" && message.type !== "quorum.accept") return;
              const ids = attempts.get(message.key) ?? new Set<string>();
              ids.add(message.requestId);
              attempts.set(message.key, ids);
            },
          },
        });
        for (let index = 1; index <= 6; index++) {
          cluster.command(a, { type: "register", operationId: `r${index}`, address: peer(index) });
          cluster.sim.runFor(3_000);
        }
        const done = completions(cluster, a);
        expect(done.map((event) => event.result.ok)).toEqual([true, true, true, true, true, true]);
        const later = [4, 5, 6].map((index) => attempts.get(peer(index))?.size);
        expect(later, JSON.stringify([...attempts].map(([key, ids]) => [key, ids.size]))).toEqual([
          1, 1, 1,
        ]);
      },
      replay,
    );
  });

  it("with no majority nothing commits and callers get NO_QUORUM", async () => {
    await forEachSeed(
      10,
      300,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5, jitterMs: 5 } });
        const [a, b, c] = cluster.seeds as [string, string, string];
        cluster.sim.partition([a], [b, c]);
        cluster.sim.partition([b], [c]);
        for (const [index, seedAddress] of [a, b, c].entries()) {
          cluster.command(seedAddress, {
            type: "register",
            operationId: `register-${index}`,
            address: peer(index),
          });
        }
        cluster.sim.runFor(10_000);
        for (const seedAddress of [a, b, c]) {
          const done = completions(cluster, seedAddress);
          expect(done).toHaveLength(1);
          expect(done[0]?.result.ok === false && done[0].result.error.code).toBe("NO_QUORUM");
        }
        for (let index = 0; index < 3; index++) {
          expect(holders(cluster, peer(index))).toBeLessThanOrEqual(1);
          for (const seedAddress of cluster.seeds) {
            expect(cluster.hosts.get(seedAddress)?.registry.get(peer(index))).toBeUndefined();
          }
        }
      },
      replay,
    );
  });

  it("a removal that found no majority is proposed again and commits once the seeds reconnect", async () => {
    await forEachSeed(
      10,
      350,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5, jitterMs: 5 } });
        const [a, b, c] = cluster.seeds as [string, string, string];
        const victim = peer(1);
        const neighbours = [peer(2), peer(3)];
        cluster.command(a, { type: "register", operationId: "join", address: victim, neighbours });
        cluster.sim.runFor(2_000);
        cluster.sim.partition([a], [b, c]);
        cluster.sim.partition([b], [c]);
        cluster.command(a, {
          type: "mark-dead",
          operationId: "report",
          address: victim,
          incarnation: 0,
          evidence: { voters: neighbours },
        });
        cluster.sim.runFor(5_000);
        const [failed] = completions(cluster, a).filter((done) => done.operationId === "report");
        expect(failed?.result.ok === false && failed.result.error.code).toBe("NO_QUORUM");
        cluster.sim.heal();
        cluster.sim.runFor(40_000);
        for (const seedAddress of cluster.seeds) {
          const record = cluster.hosts.get(seedAddress)?.registry.get(victim)?.record;
          expect(record?.status, seedAddress).toBe("dead");
        }
      },
      replay,
    );
  });

  it("a seed that crashes and restarts from storage keeps its promises and catches up", async () => {
    await forEachSeed(
      10,
      400,
      (seed) => {
        const cluster = createCluster({ seed, seedCount: 3, link: { latencyMs: 5, jitterMs: 5 } });
        const [a, b, c] = cluster.seeds as [string, string, string];
        cluster.command(a, { type: "register", operationId: "one", address: peer(1) });
        cluster.sim.runFor(1_000);
        const before = cluster.hosts.get(c)?.registry.acceptorState(peer(1));
        cluster.crash(c);
        cluster.restart(c);
        expect(cluster.hosts.get(c)?.registry.acceptorState(peer(1))).toEqual(before);
        // with a down, b and the restarted c still form a majority
        cluster.crash(a);
        cluster.command(b, {
          type: "update-neighbours",
          operationId: "two",
          address: peer(1),
          neighbours: [peer(2)],
        });
        cluster.sim.runFor(3_000);
        const done = completions(cluster, b).find((event) => event.operationId === "two");
        expect(done?.result.ok && (done.result.value as MemberRecord).neighbours).toEqual([
          peer(2),
        ]);
      },
      replay,
    );
  });
});
