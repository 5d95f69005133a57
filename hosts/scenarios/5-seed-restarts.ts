/**
 * Scenario 5: `kill -9` of a seed in the middle of commits, 20 times. In each round a peer
 * joins and another leaves (four stay up throughout) while a seed, each in turn, is killed a
 * few hundred milliseconds in; the seed is restarted from its data directory once the
 * churn is done.
 *
 * Checks: every registration and leave acknowledged to a peer (its `registered` / `left`
 * event in peer.log) is present at every seed at the end (alive with at least that
 * incarnation, or left); after each restart the seeds agree (all answer, same records) within
 * 60 s; the longest such wait is reported.
 */
import { Cluster, type LogEvent, type NodeHandle, recordsAt } from "../lib/cluster.js";
import { sleep, stop, waitReady } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";

const ROUNDS = 20;
const AGREEMENT_BOUND_MS = 60_000;

/** What each peer was last told by the seeds: registered (with incarnation) or left. */
function acknowledged(events: readonly LogEvent[]): Map<string, "left" | number> {
  const acks = new Map<string, "left" | number>();
  for (const event of events) {
    const address = event.node.replace(/^peer /, "");
    if (event.event === "registered" || event.event === "rejoined") {
      acks.set(address, Number(event.incarnation));
    } else if (event.event === "left") {
      acks.set(address, "left");
    }
  }
  return acks;
}

/** Scenario 5: seeds killed mid-commit and restarted; nothing acknowledged is lost. */
export const scenarioSeedRestarts: Scenario = {
  id: 5,
  title: "kill -9 of a seed during joins and leaves, restart from its data, 20 times",
  async run({ network, directory, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, 2);
    await cluster.startSeeds();
    const live: NodeHandle[] = await cluster.startPeers(2);
    const violations: string[] = [];
    const notes: string[] = [];
    const agreementWaits: number[] = [];
    let joins = live.length;
    let leaves = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const seed = cluster.seeds[round % cluster.seeds.length] as NodeHandle;
      const host = cluster.peerHosts[
        round % cluster.peerHosts.length
      ] as (typeof cluster.peerHosts)[0];
      const joining = [cluster.startPeer(host)];
      const leaving = live.splice(Math.floor(Math.random() * live.length), 1);
      const left = leaving.map((peer) => cluster.leavePeer(peer));
      await sleep(200 + Math.random() * 800);
      await stop(seed.process);
      // The churn finishes with two seeds of three.
      const joined = await Promise.allSettled(
        joining.map((peer) => waitReady(peer.process, 30_000)),
      );
      joined.forEach((result, index) => {
        const peer = joining[index] as NodeHandle;
        if (result.status === "fulfilled") live.push(peer);
        else notes.push(`${peer.address} not registered within 30 s`);
      });
      await Promise.all(left);
      joins += joining.length;
      leaves += leaving.length;
      await cluster.restartSeed(seed);
      try {
        const waited = await cluster.waitAgreed(
          "the seeds to agree",
          () => true,
          AGREEMENT_BOUND_MS,
        );
        agreementWaits.push(waited);
      } catch (error) {
        violations.push(`round ${round + 1}: ${error instanceof Error ? error.message : error}`);
      }
      log(`round ${round + 1}: killed and restarted ${seed.address}`);
    }

    // Every acknowledged change, at every seed.
    const acks = acknowledged(cluster.logEvents("peer.log"));
    await cluster
      .waitAgreed(
        "every acknowledged change at every seed",
        (report) =>
          cluster.seeds.every((seed) => {
            const records = recordsAt(report, seed.address);
            return [...acks].every(([address, ack]) => {
              const record = records?.get(address);
              if (ack === "left") return record?.status === "left";
              return record?.status === "alive" && record.incarnation >= ack;
            });
          }),
        30_000,
      )
      .catch(async () => {
        const report = await cluster.members();
        for (const seed of cluster.seeds) {
          const records = recordsAt(report, seed.address);
          for (const [address, ack] of acks) {
            const record = records?.get(address);
            const expected = ack === "left" ? "left" : `alive ≥ incarnation ${ack}`;
            const found =
              record === undefined ? "absent" : `${record.status} ${record.incarnation}`;
            if (ack === "left" ? record?.status !== "left" : record?.status !== "alive") {
              violations.push(`${seed.address}: ${address} acknowledged ${expected}, has ${found}`);
            }
          }
        }
        if (violations.length === 0) violations.push("acknowledged changes not all at every seed");
      });
    const maxWait = Math.max(0, ...agreementWaits);
    log(`${acks.size} acknowledged peers checked; longest wait for agreement ${maxWait} ms`);
    return {
      faults: `${ROUNDS} × kill -9 of a seed (each in turn) during joins and leaves, restart`,
      operations: `${joins} joins, ${leaves} leaves, ${ROUNDS} restarts; ${acks.size} acknowledged records checked at 3 seeds`,
      violations,
      delay: "none",
      notes: `seeds agreed at most ${(maxWait / 1000).toFixed(1)} s after a restart${notes.length > 0 ? `; ${notes.join("; ")}` : ""}`,
    };
  },
};
