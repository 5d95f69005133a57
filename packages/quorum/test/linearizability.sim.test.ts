import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import { checkHistories, runWorkload, type WorkloadOptions } from "./workload.js";

const replay = process.env.P2P_SEED;

const faults = {
  clients: 6,
  operationsPerClient: 15,
  keys: 3,
  lossRate: 0.05,
  duplicateRate: 0.05,
  reorderRate: 0.1,
  partitions: true,
  crashes: true,
} satisfies Partial<WorkloadOptions>;

const expectLinearizable = (options: WorkloadOptions): void => {
  const result = runWorkload(options);
  const violation = checkHistories(result);
  if (violation !== undefined) {
    throw new Error(`history of ${violation.key} is not linearizable: ${violation.reason}`);
  }
  expect(result.committed).toBeGreaterThan(0);
};

describe("linearizability under faults", () => {
  it("3 seeds: loss, duplication, reordering, partitions, crash/restart (200 schedules)", async () => {
    await forEachSeed(
      200,
      1_000,
      (seed) => expectLinearizable({ seed, seedCount: 3, ...faults }),
      replay,
    );
  }, 60_000);

  it("5 seeds: loss, duplication, reordering, partitions, crash/restart (120 schedules)", async () => {
    await forEachSeed(
      120,
      5_000,
      (seed) => expectLinearizable({ seed, seedCount: 5, ...faults }),
      replay,
    );
  }, 60_000);

  it("many clients on one hot key (30 schedules)", async () => {
    await forEachSeed(
      30,
      9_000,
      (seed) =>
        expectLinearizable({
          seed,
          seedCount: 3,
          ...faults,
          clients: 10,
          operationsPerClient: 8,
          keys: 1,
        }),
      replay,
    );
  }, 60_000);

  it("the checker catches a deliberately broken configuration (quorum of 1 of 3)", () => {
    let caught = 0;
    for (let seed = 1; seed <= 20; seed++) {
      const result = runWorkload({
        seed,
        seedCount: 3,
        clients: 6,
        operationsPerClient: 15,
        keys: 2,
        partitions: true,
        quorumSize: 1,
      });
      if (checkHistories(result) !== undefined) caught += 1;
    }
    expect(caught).toBeGreaterThan(0);
  });
});
