/**
 * Scenario 6: the wall clock of one peer host steps +10 min, then −10 min, then back
 * (libfaketime on that host's peers, stepped at run time through its timestamp file; the
 * monotonic clock is left alone, as a real NTP step would).
 *
 * Checks: no peer is removed: no seed logs a removal, and at the end every peer is alive
 * with incarnation 0 at every seed, and the seeds agree.
 */
import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster, expectAllAlive, removedPeers } from "../lib/cluster.js";
import { sleep, waitReady } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";

const FAKETIME_LIBRARY = "/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1";
const PEERS_PER_HOST = 4;

/** Scenario 6: clock steps on one peer host remove nobody. */
export const scenarioClockStep: Scenario = {
  id: 6,
  title: "a peer host's wall clock stepped +10 min and −10 min",
  async run({ network, directory, options, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, 3);
    await cluster.startSeeds();
    const stepped = cluster.peerHosts[0];
    if (stepped === undefined) throw new Error("no peer host");
    const offsetFile = join(directory, "faketime-offset");
    writeFileSync(offsetFile, "+0\n");
    const faketime = {
      LD_PRELOAD: FAKETIME_LIBRARY,
      FAKETIME_TIMESTAMP_FILE: offsetFile,
      FAKETIME_NO_CACHE: "1",
      FAKETIME_DONT_FAKE_MONOTONIC: "1",
    };
    const peers = [];
    for (let index = 0; index < PEERS_PER_HOST; index++) {
      for (const host of cluster.peerHosts) {
        peers.push(cluster.startPeer(host, host === stepped ? faketime : {}));
      }
    }
    await Promise.all(peers.map((peer) => waitReady(peer.process, 120_000)));
    const addresses = peers.map((peer) => peer.address);
    const violations = await expectAllAlive(cluster, addresses, 30_000);
    const holdMs = 45_000 * options.durationScale;
    for (const offset of ["+600", "-600", "+0"]) {
      writeFileSync(offsetFile, `${offset}\n`);
      log(`clock of ${stepped.name}'s peers at ${offset} s`);
      // The same library and file, read by a fresh process: the step is in effect.
      const shown = Number(
        execFileSync(process.execPath, ["-e", "console.log(Date.now())"], {
          env: { ...process.env, ...faketime },
          encoding: "utf8",
        }),
      );
      const skewS = Math.round((shown - Date.now()) / 1000);
      if (Math.abs(skewS - Number(offset)) > 5) {
        violations.push(`faketime not in effect: ${skewS} s instead of ${offset} s`);
      }
      await sleep(holdMs);
    }
    violations.push(...(await expectAllAlive(cluster, addresses, 30_000)));
    for (const peer of removedPeers(cluster)) violations.push(`${peer} was removed`);
    const exited = peers.filter((peer) => peer.process.child.exitCode !== null);
    for (const peer of exited) violations.push(`${peer.address} exited`);
    return {
      faults: `wall clock of ${PEERS_PER_HOST} peers on one host: +10 min, −10 min, back; ${(holdMs / 1000).toFixed(0)} s each`,
      operations: `${addresses.length} peers registered, 3 clock steps`,
      violations,
      delay: "none",
    };
  },
};
