/**
 * Scenario 3: a peer that can hear but not send, flapping every 20 s for a few minutes.
 *
 * The peer is alone on its host; the host is muted (every TCP segment it sends with data is
 * dropped, control segments pass: its open connections still deliver to it, nothing it says
 * arrives, no new handshake completes) for 20 s, then heard again for 20 s, and so on.
 * What the README promises: a live peer that was removed anyway rejoins as a new incarnation,
 * and a removal needs a majority of the suspect's neighbours.
 *
 * Checks: no other peer is ever removed (seed.log) and all stay alive at incarnation 0; at the
 * end the flapping peer is alive at every seed (rejoined, or never removed) and the seeds
 * agree. How often it was removed and rejoined is reported.
 */
import { Cluster, expectAllAlive, recordsAt, removedPeers } from "../lib/cluster.js";
import { sleep, waitReady } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";

const FLAP_MS = 20_000;
const CYCLES = 4;

/** Scenario 3: one-way partition of a peer, flapping. */
export const scenarioOneWay: Scenario = {
  id: 3,
  title: "one-way partition of a peer (hears, cannot send), flapping every 20 s",
  async run({ network, directory, options, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, 3);
    await cluster.startSeeds();
    const [first, second, lonely] = cluster.peerHosts;
    if (first === undefined || second === undefined || lonely === undefined)
      throw new Error("hosts");
    const others = [];
    for (let index = 0; index < 4; index++) others.push(cluster.startPeer(first));
    for (let index = 0; index < 4; index++) others.push(cluster.startPeer(second));
    const victim = cluster.startPeer(lonely);
    await Promise.all([...others, victim].map((peer) => waitReady(peer.process, 120_000)));
    const addresses = others.map((peer) => peer.address);
    const violations = await expectAllAlive(cluster, [...addresses, victim.address], 30_000);
    const cycles = Math.max(1, Math.round(CYCLES * options.durationScale));
    for (let cycle = 0; cycle < cycles; cycle++) {
      network.mute(lonely, true);
      log(`cycle ${cycle + 1}: ${victim.address} muted`);
      await sleep(FLAP_MS);
      network.mute(lonely, false);
      log(`cycle ${cycle + 1}: ${victim.address} heard again`);
      await sleep(FLAP_MS);
    }
    violations.push(...(await expectAllAlive(cluster, addresses, 30_000)));
    try {
      await cluster.waitAgreed(
        "the flapping peer alive again at every seed",
        (report) =>
          cluster.seeds.every(
            (seed) => recordsAt(report, seed.address)?.get(victim.address)?.status === "alive",
          ),
        60_000,
      );
    } catch (error) {
      violations.push(error instanceof Error ? error.message : String(error));
    }
    const removed = removedPeers(cluster);
    for (const peer of removed) {
      if (peer !== victim.address) violations.push(`${peer} (not partitioned) was removed`);
    }
    const removals = cluster
      .logEvents("seed.log")
      .filter((event) => event.event === "member-removed" && event.peer === victim.address);
    const incarnations = new Set(removals.map((event) => Number(event.incarnation))).size;
    // Registrations after the first: the peer re-registered after a removal.
    const registrations = cluster
      .logEvents("peer.log")
      .filter(
        (event) =>
          (event.event === "rejoined" || event.event === "registered") &&
          event.node === `peer ${victim.address}`,
      );
    if (victim.process.child.exitCode !== null) {
      const { exitCode, signalCode } = victim.process.child;
      const last = victim.process.tail.slice(-20).join(" | ");
      violations.push(`${victim.address} exited (${signalCode ?? `code ${exitCode}`}): ${last}`);
    }
    return {
      faults: `${cycles} × (20 s muted, 20 s heard) of one peer`,
      operations: `${addresses.length + 1} peers; the flapping peer removed in ${incarnations} incarnations, registered again ${Math.max(0, registrations.length - 1)} times`,
      violations,
      delay: "none",
    };
  },
};
