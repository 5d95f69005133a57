// Integration: 3 seeds and 2 peers on the IPv6 loopback, addressed as [::1]:port in config.yml
// and on the command line, through the CLIs.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRandom, queryMembers } from "@p2p/cli-support";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePorts,
  killAll,
  readPinnedSeeds,
  startApp,
  waitFor,
  waitReady,
  writeTestConfig,
} from "./processes.js";

let directory: string;
let configPath: string;
let seedAddresses: string[];
let peerAddresses: string[];

/** The seeds and their pinned keys, as the seeds wrote them to config.txt. */
const pinnedSeeds = () => readPinnedSeeds(directory);

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-ipv6-"));
  const ports = await freePorts(5, "::1");
  seedAddresses = ports.slice(0, 3).map((port) => `[::1]:${port}`);
  peerAddresses = ports.slice(3).map((port) => `[::1]:${port}`);
  configPath = writeTestConfig(directory, "::1", ports.slice(0, 3));
  const seeds = seedAddresses.map((address) =>
    startApp("seed", "main", [address, "--config", configPath], address),
  );
  await Promise.all(seeds.map((seed) => waitReady(seed)));
  const peers = peerAddresses.map((address) =>
    startApp("peer", "main", [address, "--config", configPath], address),
  );
  await Promise.all(peers.map((peer) => waitReady(peer, 60_000)));
}, 120_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("a network on the IPv6 loopback ([::1], 3 seeds, 2 peers)", () => {
  it("every seed lists both peers alive; config.txt holds the bracketed seed addresses", async () => {
    const expected = [...peerAddresses].sort();
    const aliveAt = async (): Promise<string[][]> => {
      const report = await queryMembers({
        seeds: pinnedSeeds(),
        transport: createTcpTransport(),
        clock: systemClock,
        random: createProcessRandom(),
        timeoutMs: 2_000,
      });
      return report.answers.map((answer) =>
        answer.ok
          ? answer.members
              .filter((entry) => entry.record.status === "alive")
              .map((entry) => entry.record.address)
              .sort()
          : [],
      );
    };
    await waitFor(
      "every seed to list both peers alive",
      async () => (await aliveAt()).every((alive) => alive.join() === expected.join()),
      45_000,
    );
    expect(await aliveAt()).toEqual([expected, expected, expected]);
    expect(pinnedSeeds().map((seed) => seed.address)).toEqual(seedAddresses);
  }, 60_000);
});
