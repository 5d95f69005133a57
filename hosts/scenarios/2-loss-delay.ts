/**
 * Scenario 2: 10% loss and 50 ± 20 ms delay on every link for 5 minutes (× --duration-scale),
 * then one peer killed while the faults last.
 *
 * Loss: nft in every host drops 10% of the packets entering it at random, so each direction of
 * each link loses 10%. Delay: the delaying relay of every host (lib/relay.ts), which nft puts in
 * front of each node port: every chunk in each direction held 30–70 ms, order kept.
 *
 * Checks: no live peer is removed (no removal in seed.log but the killed peer's, every other
 * peer alive at incarnation 0 at every seed); the killed peer is removed (dead) at every
 * seed within 90 s; the seeds agree.
 */
import { Cluster, expectAllAlive, recordsAt, removedPeers, SEED_PORT } from "../lib/cluster.js";
import type { Host } from "../lib/net.js";
import { sleep, startIn, waitReady } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";

const LOSS_PERCENT = 10;
const DELAY_MS = 50;
const JITTER_MS = 20;
const PEERS_PER_HOST = 4;
const FIRST_PEER_PORT = 6000;

/** Scenario 2: loss and delay everywhere; nobody live removed, a killed peer removed. */
export const scenarioLossDelay: Scenario = {
  id: 2,
  title: "10% loss and 50 ± 20 ms delay on every link; a killed peer",
  async run({ network, directory, options, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, 3);
    const relay = (host: Host, ports: readonly number[]) => {
      const started = startIn(host, `relay ${host.name}`, [
        process.execPath,
        "--import",
        "tsx",
        "hosts/run.ts",
        "--relay",
        host.ip,
        String(DELAY_MS),
        String(JITTER_MS),
        ports.join(","),
      ]);
      network.setRelay(host, ports);
      return waitReady(started, 30_000);
    };
    const peerPorts = Array.from({ length: PEERS_PER_HOST }, (_, index) => FIRST_PEER_PORT + index);
    await Promise.all([
      ...cluster.seedHosts.map((host) => relay(host, [SEED_PORT])),
      ...cluster.peerHosts.map((host) => relay(host, peerPorts)),
    ]);
    network.setLoss(LOSS_PERCENT);
    await cluster.startSeeds();
    const peers = await cluster.startPeers(PEERS_PER_HOST, 180_000);
    const addresses = peers.map((peer) => peer.address);
    const violations = await expectAllAlive(cluster, addresses, 60_000);
    const durationMs = 300_000 * options.durationScale;
    log(`${addresses.length} peers up; ${durationMs / 1000} s of loss and delay`);
    await sleep(durationMs);
    const victim = peers[peers.length - 1];
    if (victim === undefined) throw new Error("no peer");
    await cluster.killPeer(victim);
    log(`killed ${victim.address}`);
    const live = addresses.filter((address) => address !== victim.address);
    let removalMs = 0;
    try {
      removalMs = await cluster.waitAgreed(
        "the killed peer removed at every seed",
        (report) =>
          cluster.seeds.every(
            (seed) => recordsAt(report, seed.address)?.get(victim.address)?.status === "dead",
          ),
        90_000,
      );
    } catch (error) {
      violations.push(error instanceof Error ? error.message : String(error));
    }
    violations.push(...(await expectAllAlive(cluster, live, 30_000)));
    for (const peer of removedPeers(cluster)) {
      if (peer !== victim.address) violations.push(`live peer ${peer} was removed`);
    }
    network.healAll();
    return {
      faults: `${LOSS_PERCENT}% loss into every host, ${(durationMs / 1000).toFixed(0)} s; kill -9 of a peer`,
      operations: `${addresses.length} peers; the killed one removed at every seed`,
      violations,
      delay: `relay, ${DELAY_MS} ± ${JITTER_MS} ms each way on every node port`,
      notes: `killed peer dead at all seeds ${(removalMs / 1000).toFixed(1)} s after the kill`,
    };
  },
};
