// A whole network (3 seeds with quorum commit, honest PeerNodes) on the deterministic simulator,
// optionally with one attacker holding a share of the members (insider-attacker.ts); crashes
// some honest peers and measures how long their removal takes and whether any live honest peer
// is removed. Used by insider.sim.test.ts (small) and bench/insider.ts (1,000 peers).
import { createSimulation } from "@p2p/sim";
import { createSimPeer, startSimSeeds } from "../bench/sim-nodes.js";
import type { PeerNode } from "../src/peer-types.js";
import { type TimingProfile, timingProfiles } from "../src/timing.js";
import { type AttackCounts, createAttacker } from "./insider-attacker.js";

const EPOCH_MS = Date.UTC(2026, 0, 1);
const SEED_COUNT = 3;

/** One run. */
export interface InsiderRun {
  readonly seed: number;
  /** Honest peers. */
  readonly honestPeers: number;
  /** Identities of the attacker (0: a run without it). */
  readonly attackerIdentities: number;
  /** Honest peers crashed during the measurement. */
  readonly crashes: number;
  /** Crash peers the attacker neighbours first (its alive votes then matter). Default false. */
  readonly crashAttacked?: boolean;
  /** Each attacker identity publishes a message of its own every this many rounds (default 1). */
  readonly floodEvery?: number;
  /** Called with progress lines (joins, phases). */
  readonly progress?: (line: string) => void;
}

/** What a run measured. */
export interface InsiderResult {
  readonly run: InsiderRun;
  /** Seconds from crash to removed at every seed, sorted, for the crashed peers removed everywhere. */
  readonly removalSeconds: number[];
  /** Crashed honest peers not removed at every seed by the end. */
  readonly notRemoved: string[];
  /** Live honest peers removed at any seed (must be none). */
  readonly falseRemovals: string[];
  /** Attacker identities that were members when the attack began. */
  readonly attackerMembers: number;
  /** Edges from an honest peer back to an attacker identity (mutual, at the seeds). */
  readonly attackerMutualEdges: number;
  /** Crashed peers that had an attacker identity as a mutual neighbour. */
  readonly crashedWithAttackerNeighbour: number;
  readonly attack: AttackCounts | undefined;
  /** Seconds of simulated time the measurement ran. */
  readonly simulatedSeconds: number;
}

const honestAddress = (index: number) =>
  `10.1.${Math.floor(index / 250)}.${(index % 250) + 1}:6000`;
/** Every attacker identity on a host of its own (the worst case for per-host limits). */
const attackerAddress = (index: number) =>
  `10.9.${Math.floor(index / 250)}.${(index % 250) + 1}:6000`;

/** Builds the network, lets the attacker (if any) work, crashes peers and measures. */
export async function runInsider(run: InsiderRun): Promise<InsiderResult> {
  const say = run.progress ?? (() => {});
  const timing: TimingProfile = { ...timingProfiles.fast, gossipMessageCount: 0 };
  const sim = createSimulation({ seed: run.seed, link: { latencyMs: 5, jitterMs: 3 } });
  const wallClock = () => EPOCH_MS + sim.now();
  const seedAddresses = Array.from({ length: SEED_COUNT }, (_, i) => `10.0.0.${i + 1}:5000`);
  /** address → seed → time it was removed there. */
  const removedAt = new Map<string, Map<string, number>>();
  const context = { sim, wallClock };
  const { pinned, seeds } = await startSimSeeds(context, seedAddresses, (address, event) => {
    if (event.type !== "member-removed") return;
    const bySeed = removedAt.get(event.record.address) ?? new Map<string, number>();
    if (!bySeed.has(address)) bySeed.set(address, sim.now());
    removedAt.set(event.record.address, bySeed);
  });

  const peers: { address: string; node: PeerNode; crashedAt?: number }[] = [];
  for (let first = 0; first < run.honestPeers; first += 25) {
    const batch = [];
    for (let index = first; index < Math.min(run.honestPeers, first + 25); index++) {
      const address = honestAddress(index);
      const node = createSimPeer(context, address, pinned, timing);
      batch.push({ address, node });
    }
    await sim.settle(Promise.all(batch.map((peer) => peer.node.start())), { timeoutMs: 120_000 });
    peers.push(...batch);
    await sim.runForAsync(100);
    if (peers.length % 250 === 0) say(`${peers.length} honest peers joined`);
  }
  await sim.runForAsync(5_000);
  const earlyRemovals = removedAt.size;
  if (earlyRemovals > 0) throw new Error(`${earlyRemovals} removals before the measurement`);

  const live = () => peers.filter((peer) => peer.crashedAt === undefined);
  const attacker =
    run.attackerIdentities === 0
      ? undefined
      : await createAttacker({
          sim,
          seeds: pinned,
          addresses: Array.from({ length: run.attackerIdentities }, (_, i) => attackerAddress(i)),
          honest: () => live().map((peer) => peer.address),
          wallClock,
          ...(run.floodEvery === undefined ? {} : { floodEvery: run.floodEvery }),
        });
  attacker?.start();
  await sim.runForAsync(15_000); // registered, neighbours asked, a few attack rounds
  const attackerSet = new Set(attacker?.addresses ?? []);
  const attackerMembers = seeds[0]!
    .members()
    .filter(
      (entry) => attackerSet.has(entry.record.address) && entry.record.status === "alive",
    ).length;
  const attackerMutualEdges = attacker?.mutualEdges() ?? 0;
  say(
    `attacker: ${attackerMembers} of ${run.attackerIdentities} identities members, ${attackerMutualEdges} mutual edges with honest peers`,
  );

  const startedAt = sim.now();
  const random = sim.random("crashes");
  const attacked = new Set(attacker?.attacked() ?? []);
  const victims = live()
    .map((peer) => ({
      peer,
      order: random.next() - (run.crashAttacked === true && attacked.has(peer.address) ? 1 : 0),
    }))
    .sort((a, b) => a.order - b.order)
    .slice(0, run.crashes)
    .map(({ peer }) => peer);
  const crashWindowMs = 10_000;
  for (const victim of victims) {
    sim.clock.setTimer(Math.floor(random.next() * crashWindowMs), () => {
      victim.crashedAt = sim.now();
      sim.crash(victim.address);
    });
  }
  const removedEverywhere = (address: string) => (removedAt.get(address)?.size ?? 0) === SEED_COUNT;
  const deadline = sim.now() + crashWindowMs + 60_000;
  await sim.runForAsync(crashWindowMs);
  while (sim.now() < deadline && !victims.every((victim) => removedEverywhere(victim.address))) {
    await sim.runForAsync(1_000);
  }
  await sim.runForAsync(10_000); // late false removals would show here
  await attacker?.stop();

  const removalSeconds: number[] = [];
  const notRemoved: string[] = [];
  for (const victim of victims) {
    const bySeed = removedAt.get(victim.address);
    if (bySeed === undefined || !removedEverywhere(victim.address)) {
      notRemoved.push(victim.address);
      continue;
    }
    removalSeconds.push((Math.max(...bySeed.values()) - (victim.crashedAt as number)) / 1000);
  }
  const liveHonest = new Set(live().map((peer) => peer.address));
  const falseRemovals = [...removedAt.keys()].filter((address) => liveHonest.has(address)).sort();
  for (const peer of peers) if (peer.crashedAt === undefined) await peer.node.stop();
  for (const node of seeds) await node.stop();
  return {
    run,
    removalSeconds: removalSeconds.sort((a, b) => a - b),
    notRemoved,
    falseRemovals,
    attackerMembers,
    attackerMutualEdges,
    crashedWithAttackerNeighbour: victims.filter((victim) => attacked.has(victim.address)).length,
    attack: attacker?.counts,
    simulatedSeconds: (sim.now() - startedAt) / 1000,
  };
}

/** The q-quantile of sorted values (nearest rank). */
export function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) throw new Error("quantile of no values");
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
}
