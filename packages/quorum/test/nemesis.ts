/**
 * The fault injector of the workload: random partitions (any groups of seeds and clients,
 * one-way or both ways, several at once) and crashes with restarts from storage (at random
 * times, and right after a seed saved or answered, down for a moment or for longer).
 * Everything is drawn from the simulation's seeded random streams.
 */
import type { PartitionHandle } from "@p2p/sim";
import { type RandomSource, randomInt } from "@p2p/wire";
import type { SeedRegistryOutput } from "../src/index.js";
import type { Cluster } from "./cluster.js";

/** What the nemesis may do. */
export interface NemesisOptions {
  readonly partitions: boolean;
  readonly crashes: boolean;
  /** Chance that a seed crashes within 10 ms of issuing a save or a prepare, or answering one. */
  readonly crashAfterOutputRate: number;
  /** Mean time between two faults (ms). */
  readonly pauseMs: number;
  /** Mean time a partition lasts (ms). */
  readonly partitionMs: number;
}

/** A running nemesis. */
export interface Nemesis {
  /** Observes a seed's output as it is issued (wire it to the cluster observer's `output`). */
  observe(address: string, output: SeedRegistryOutput): void;
  /** Stops injecting, heals every partition and restarts every crashed seed. */
  finish(): void;
  /** Faults injected so far. */
  readonly stats: { partitions: number; crashes: number; quickRestarts: number };
}

/** Where in the protocol a crash right after an output hurts most. */
const isCrashPoint = (output: SeedRegistryOutput): boolean =>
  output.type === "persist" ||
  (output.type === "send" &&
    (output.message.type === "quorum.promise" ||
      output.message.type === "quorum.accepted" ||
      output.message.type === "quorum.prepare"));

const MAX_PARTITIONS = 3;

/** Starts the nemesis on `cluster`; `clients` may be cut off too. */
export function startNemesis(
  cluster: Cluster,
  clients: readonly string[],
  options: NemesisOptions,
): Nemesis {
  const { sim, seeds } = cluster;
  const random: RandomSource = sim.random("nemesis");
  const triggered: RandomSource = sim.random("nemesis:crash-after-output");
  const minority = Math.floor((seeds.length - 1) / 2);
  const crashed = new Set<string>();
  const partitions = new Set<PartitionHandle>();
  /** When each seed may next be crashed right after an output. */
  const cooldownUntil = new Map<string, number>();
  const stats = { partitions: 0, crashes: 0, quickRestarts: 0 };
  let isFinished = false;

  const pick = <T>(items: readonly T[]): T => items[randomInt(random, items.length)] as T;
  const chance = (probability: number): boolean => random.next() < probability;

  /** Crash `address` now and restart it after `downMs`. */
  const crash = (address: string, downMs: number): void => {
    if (isFinished || crashed.has(address) || crashed.size >= minority) return;
    crashed.add(address);
    stats.crashes += 1;
    if (downMs < 50) stats.quickRestarts += 1;
    cluster.crash(address);
    sim.clock.setTimer(downMs, () => {
      if (!crashed.delete(address)) return;
      cluster.restart(address);
    });
  };

  /** A down time: often a blink (a process restarted at once), sometimes a long outage. */
  const downTime = (source: RandomSource): number =>
    source.next() < 0.6 ? source.next() * 40 : 100 + source.next() * 900;

  /** Cuts a random group off (one-way or both ways) and heals that cut after a while. */
  const partition = (): void => {
    if (partitions.size >= MAX_PARTITIONS) return;
    // Any subset of seeds, with some clients, against all or part of the rest.
    const shuffled = [...seeds];
    for (let index = shuffled.length - 1; index > 0; index--) {
      const other = randomInt(random, index + 1);
      [shuffled[index], shuffled[other]] = [shuffled[other] as string, shuffled[index] as string];
    }
    const size = 1 + randomInt(random, seeds.length - 1);
    const groupA = shuffled.slice(0, size);
    const rest = shuffled.slice(size);
    for (const client of clients) {
      const roll = random.next();
      if (roll < 0.15) groupA.push(client);
      else if (roll < 0.3) rest.push(client);
    }
    const groupB = chance(0.3) ? rest.filter(() => chance(0.7)) : rest;
    if (groupB.length === 0) return;
    stats.partitions += 1;
    const handle = sim.partition(groupA, groupB, { oneWay: chance(0.3) });
    partitions.add(handle);
    sim.clock.setTimer(options.partitionMs * (0.1 + random.next() * 1.9), () => {
      if (partitions.delete(handle)) handle.heal();
    });
  };

  const act = (): void => {
    if (isFinished) return;
    const roll = random.next();
    if (options.partitions && roll < 0.45) {
      partition();
    } else if (options.crashes && roll < 0.75) {
      const up = seeds.filter((seed) => !crashed.has(seed));
      if (up.length > 0) crash(pick(up), downTime(random));
    }
    sim.clock.setTimer(options.pauseMs * (0.2 + random.next() * 1.6), act);
  };
  if (options.partitions || options.crashes) sim.clock.setTimer(50, act);

  return {
    observe(address, output) {
      if (isFinished || !options.crashes || options.crashAfterOutputRate <= 0) return;
      if (!isCrashPoint(output) || triggered.next() >= options.crashAfterOutputRate) return;
      if ((cooldownUntil.get(address) ?? 0) > sim.now()) return;
      cooldownUntil.set(address, sim.now() + 500);
      const delayMs = triggered.next() * 10;
      const downMs = downTime(triggered);
      sim.clock.setTimer(delayMs, () => crash(address, downMs));
    },
    finish() {
      isFinished = true;
      sim.heal();
      partitions.clear();
      for (const address of [...crashed].sort()) {
        crashed.delete(address);
        cluster.restart(address);
      }
    },
    stats,
  };
}
