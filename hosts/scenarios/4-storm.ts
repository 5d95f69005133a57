/**
 * Scenario 4: a seed host cut off during a registration storm of 1,000 joins, then healed.
 *
 * One joiner process per peer host (lib/joiner.ts) runs short-lived registrants over TCP, a
 * few at a time, each registering with a majority of the seeds as a peer does, then changing
 * its neighbour list once; every request is recorded with its call and return times and its
 * outcome (unknown when no answer came). Once a quarter of the registrants are done, the
 * first seed's host is cut off from every other host (the harness still reaches it); it is
 * healed once two thirds are done (and at least 10 s later), or when the storm ends.
 *
 * Checks: (a) every registration a seed acknowledged is at every seed (alive, that
 * incarnation or later) within 180 s of the storm's end, the seeds agreeing; (b) the recorded
 * history, with one final read of every key at every seed (`p2p-members --json`, all pages,
 * local views: taken once every seed holds the same whole record of every key), passes
 * `checkLinearizable` with `membershipModel`, key by key.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Cluster, type MembersReport, ROOT, recordsAt } from "../lib/cluster.js";
import type { JoinerSpec } from "../lib/joiner.js";
import { type HostProcess, sleep, startIn, stop } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";
import {
  acknowledgedRegistrations,
  checkHistory,
  countOutcomes,
  describePhases,
  differingRecords,
  isUnknown,
  readHistory,
} from "../lib/storm-check.js";

const PEER_HOSTS = 3;
/** Registrants at work at once, per joiner. */
const CONCURRENCY = 8;
const REQUEST_TIMEOUT_MS = 10_000;
const FIRST_PORT = 6000;
const CONVERGENCE_BOUND_MS = 180_000;
const MIN_CUT_MS = 10_000;
/** The storm is abandoned (a violation) after this long. */
const STORM_BOUND_MS = 20 * 60_000;
const JOINER = join(ROOT, "hosts", "lib", "joiner.ts");

const now = (): number => performance.timeOrigin + performance.now();

/** The seeds and their keys, from the harness's config.yml. */
function pinnedSeeds(directory: string): { address: string; key: string }[] {
  const config = readFileSync(join(directory, "harness", "config.yml"), "utf8");
  return [...config.matchAll(/ip: ([\d.]+), port: (\d+), key: ([0-9a-f]{64})/g)].map((match) => ({
    address: `${match[1]}:${match[2]}`,
    key: match[3] as string,
  }));
}

/** Scenario 4: a registration storm across a seed host's cut and heal. */
export const scenarioStorm: Scenario = {
  id: 4,
  title: "a seed host cut off during a registration storm of 1,000 joins, then healed",
  async run({ network, directory, options, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, PEER_HOSTS);
    await cluster.startSeeds();
    const seeds = pinnedSeeds(directory);
    const joins = options.joins;
    const historyPaths: string[] = [];
    const joiners: HostProcess[] = [];
    cluster.peerHosts.forEach((host, index) => {
      const count = Math.floor(joins / PEER_HOSTS) + (index < joins % PEER_HOSTS ? 1 : 0);
      const addresses = Array.from({ length: count }, (_, n) => `${host.ip}:${FIRST_PORT + n}`);
      const historyPath = join(cluster.hostDirectory(host), "history.jsonl");
      const spec: JoinerSpec = {
        seeds,
        addresses,
        concurrency: CONCURRENCY,
        requestTimeoutMs: REQUEST_TIMEOUT_MS,
        historyPath,
      };
      const specPath = join(cluster.hostDirectory(host), "joiner.json");
      writeFileSync(specPath, JSON.stringify(spec));
      writeFileSync(historyPath, "");
      historyPaths.push(historyPath);
      const args = ["--import", "tsx", "--conditions=@p2p/source", JOINER, specPath];
      joiners.push(startIn(host, `joiner ${host.name}`, [process.execPath, ...args]));
    });
    const stormStarted = Date.now();
    log(`${joins} joins from ${PEER_HOSTS} joiners (${CONCURRENCY} at a time each)`);

    // Cut the first seed's host a quarter in; heal it two thirds in (at least 10 s later).
    const victim = cluster.seedHosts[0];
    if (victim === undefined) throw new Error("no seed host");
    const finished = () => joiners.every((joiner) => joiner.child.exitCode !== null);
    let cutAt: number | undefined;
    let healedAt: number | undefined;
    let doneAtCut = 0;
    while (!finished()) {
      if (Date.now() - stormStarted > STORM_BOUND_MS) {
        for (const joiner of joiners) await stop(joiner);
        break;
      }
      const { done } = readHistory(historyPaths);
      if (cutAt === undefined && done >= joins / 4) {
        network.isolate(victim);
        cutAt = Date.now();
        doneAtCut = done;
        log(`${victim.name} cut off (${done} registrants done)`);
      } else if (
        cutAt !== undefined &&
        healedAt === undefined &&
        done >= (joins * 2) / 3 &&
        Date.now() - cutAt >= MIN_CUT_MS
      ) {
        network.healAll();
        healedAt = Date.now();
        log(`${victim.name} healed (${done} registrants done)`);
      }
      await sleep(250);
    }
    if (cutAt !== undefined && healedAt === undefined) {
      network.healAll();
      healedAt = Date.now();
      log(`${victim.name} healed at the storm's end`);
    }
    const stormSeconds = (Date.now() - stormStarted) / 1000;
    const violations: string[] = [];
    for (const joiner of joiners) {
      if (joiner.child.exitCode !== 0) {
        violations.push(
          `${joiner.label} exited ${joiner.child.exitCode}: ${joiner.tail.slice(-3).join(" | ")}`,
        );
      }
    }
    const { lines, done } = readHistory(historyPaths);
    const acks = acknowledgedRegistrations(lines);
    log(
      `storm over in ${stormSeconds.toFixed(0)} s: ${done} registrants, ${lines.length} requests, ${acks.size} acknowledged`,
    );

    // (a) Every acknowledged registration at every seed, the seeds agreeing.
    const isPresent = (
      report: MembersReport,
      seed: string,
      address: string,
      incarnation: number,
    ) => {
      const record = recordsAt(report, seed)?.get(address);
      return record?.status === "alive" && record.incarnation >= incarnation;
    };
    let convergedMs: number | undefined;
    try {
      convergedMs = await cluster.waitAgreed(
        "every acknowledged registration at every seed",
        (report) =>
          cluster.seeds.every((seed) =>
            [...acks].every(([address, incarnation]) =>
              isPresent(report, seed.address, address, incarnation),
            ),
          ),
        CONVERGENCE_BOUND_MS,
      );
      log(
        `every acknowledged registration at every seed ${(convergedMs / 1000).toFixed(1)} s after the storm`,
      );
    } catch (error) {
      violations.push(error instanceof Error ? error.message : String(error));
    }
    // The final reads are of local views: only once every seed holds the same whole record.
    let sameMs: number | undefined;
    let differing: string[] = [];
    let firstDiffering: number | undefined;
    try {
      sameMs = await cluster.waitAgreed(
        "the same whole record of every key at every seed",
        (report) => {
          differing = differingRecords(report);
          firstDiffering ??= differing.length;
          return differing.length === 0;
        },
        CONVERGENCE_BOUND_MS,
      );
      log(
        `the same whole records at every seed ${(sameMs / 1000).toFixed(1)} s later (${firstDiffering} keys differed at first)`,
      );
    } catch {
      violations.push(
        `after ${CONVERGENCE_BOUND_MS / 1000} s the seeds still hold different records of ${differing.length} keys (${differing.slice(0, 5).join(", ")})`,
      );
    }
    const readCall = now();
    const report = await cluster.members(10_000);
    const readReturn = now();
    const missing: string[] = [];
    for (const seed of cluster.seeds) {
      for (const [address, incarnation] of acks) {
        if (!isPresent(report, seed.address, address, incarnation)) {
          const record = recordsAt(report, seed.address)?.get(address);
          const found = record === undefined ? "absent" : `${record.status} ${record.incarnation}`;
          missing.push(
            `${address} acknowledged (incarnation ${incarnation}) is ${found} at ${seed.address}`,
          );
        }
      }
    }
    if (missing.length > 0) {
      violations.push(
        `${missing.length} acknowledged registrations missing: ${missing.slice(0, 5).join("; ")}`,
      );
    }

    // (b) The history, with the final reads, key by key.
    const checkStarted = Date.now();
    const verdict = checkHistory(lines, report, readCall, readReturn);
    const checkMs = Date.now() - checkStarted;
    if (verdict.violations.length > 0) {
      violations.push(
        `${verdict.violations.length} linearizability violations: ${verdict.violations.slice(0, 5).join("; ")}`,
      );
    }
    const counts = countOutcomes(lines);
    const outcomes = [...counts].sort((a, b) => b[1] - a[1]).map(([kind, n]) => `${n} ${kind}`);
    log(`outcomes: ${outcomes.join(", ")}`);
    const unknown = lines.filter(isUnknown).length;
    const { phases, refusals } = describePhases(lines, cutAt ?? Infinity, healedAt ?? Infinity);
    log(`${phases}`);
    if (refusals !== "") log(`refusals: ${refusals}`);
    log(
      `checked ${verdict.keys} keys, ${verdict.operations} requests and ${verdict.reads} reads in ${checkMs} ms (${verdict.steps} search steps): ${verdict.violations.length} violations`,
    );
    const cutSeconds =
      cutAt === undefined || healedAt === undefined ? 0 : (healedAt - cutAt) / 1000;
    return {
      faults: `seed host ${victim.name} cut off for ${cutSeconds.toFixed(0)} s (from ${doneAtCut} of ${joins} registrants done)`,
      operations: `${joins} joins (${acks.size} acknowledged) in ${stormSeconds.toFixed(0)} s: ${lines.length} requests (${outcomes.join(", ")}), ${verdict.reads} final reads; ${verdict.keys} keys checked`,
      violations,
      delay: "none",
      notes: `${unknown} unknown outcomes (no answer, or NO_QUORUM / BUSY); ${phases}; all acknowledged at every seed ${convergedMs === undefined ? "not within 180 s" : `${(convergedMs / 1000).toFixed(1)} s after the storm`}, the same whole records (${firstDiffering ?? 0} keys differed) ${sameMs === undefined ? "not within 180 s" : `${(sameMs / 1000).toFixed(1)} s later`}; check ${checkMs} ms`,
    };
  },
};
