/** A lossless in-memory network of three seed registries, for the anti-entropy unit tests. */
import { ok, type RandomSource } from "@p2p/wire";
import type { QuorumMessage } from "../src/messages.js";
import {
  createSeedRegistry,
  type SeedRegistry,
  type SeedRegistryOutput,
} from "../src/seed-registry.js";

/** The three seeds (the tests name them the same way). */
const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const random: RandomSource = { next: () => 0 };
const deps = { random, validateEvidence: () => ok(undefined) };

/** Three registries on a lossless in-memory network driven in virtual time. */
export function createNetwork(options: { syncIntervalMs?: number } = {}) {
  const registries = new Map<string, SeedRegistry>(
    seeds.map((seedId) => [
      seedId,
      createSeedRegistry({ seedId, seeds, syncIntervalMs: options.syncIntervalMs ?? 5_000 }, deps),
    ]),
  );
  const queue: { from: string; to: string; message: QuorumMessage }[] = [];
  const log: { from: string; to: string; message: QuorumMessage }[] = [];
  let now = 0;
  /** Messages to these addresses are lost. */
  const cut = new Set<string>();
  const apply = (from: string, outputs: readonly SeedRegistryOutput[]) => {
    for (const output of outputs) {
      if (output.type === "send") queue.push({ from, to: output.to, message: output.message });
    }
  };
  const deliver = () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      log.push(next);
      const registry = registries.get(next.to);
      if (registry === undefined || cut.has(next.to)) continue;
      apply(next.to, registry.step({ type: "receive", now, ...next }));
    }
  };
  const network = {
    registries,
    log,
    cut,
    get now() {
      return now;
    },
    get: (seedId: string) => registries.get(seedId) as SeedRegistry,
    /** Registers `address` through seed `seedId` (a local command). */
    register(seedId: string, address: string) {
      network.command(seedId, address, `r-${address}`);
    },
    command(seedId: string, address: string, operationId: string) {
      apply(
        seedId,
        network
          .get(seedId)
          .step({ type: "command", now, command: { type: "register", operationId, address } }),
      );
      deliver();
    },
    /** Advances virtual time to `until`, ticking every registry at its deadlines. */
    runUntil(until: number) {
      for (let guard = 0; guard < 100_000; guard++) {
        const due = [...registries.values()]
          .map((registry) => registry.nextDeadline())
          .filter((at): at is number => at !== undefined && at <= until);
        if (due.length === 0) break;
        now = Math.max(now, Math.min(...due));
        for (const [seedId, registry] of [...registries].sort(([x], [y]) => (x < y ? -1 : 1))) {
          const deadline = registry.nextDeadline();
          if (deadline !== undefined && deadline <= now) {
            if (!cut.has(seedId)) apply(seedId, registry.step({ type: "tick", now }));
          }
        }
        deliver();
      }
      now = Math.max(now, until);
    },
  };
  return network;
}
