import { expect, it } from "vitest";
import { runNetwork } from "./replay.js";

const seed = Number(process.env.P2P_SEED ?? 11);

it("a 3-seed, 20-peer network in virtual time replays exactly from its seed", async () => {
  const first = await runNetwork(seed);
  const again = await runNetwork(seed);
  const label = `replay with P2P_SEED=${seed}`;
  expect(first.alivePerSeed, label).toEqual([20, 20, 20]);
  expect(first.deliveries, label).toBeGreaterThan(0);
  expect(again.events, label).toEqual(first.events);
  expect(again.traceHash, label).toBe(first.traceHash);
  // another seed is another run
  const other = await runNetwork(seed + 1);
  expect(other.traceHash, label).not.toBe(first.traceHash);
}, 120_000);
