// Integration: 3 seeds and 2 peers on the IPv6 loopback, addressed as [::1]:port in config.yml
// and on the command line, through the CLIs.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRandom, parseSeedList, queryMembers } from "@p2p/cli-support";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts, killAll, startApp, waitFor, waitReady } from "./processes.js";

let directory: string;
let configPath: string;
let seedAddresses: string[];
let peerAddresses: string[];

/** The seeds and their pinned keys, as the seeds wrote them to config.txt. */
const pinnedSeeds = () => {
  const parsed = parseSeedList(readFileSync(join(directory, "config.txt"), "utf8"));
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
};

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-ipv6-"));
  configPath = join(directory, "config.yml");
  const ports = await freePorts(5, "::1");
  seedAddresses = ports.slice(0, 3).map((port) => `[::1]:${port}`);
  peerAddresses = ports.slice(3).map((port) => `[::1]:${port}`);
  writeFileSync(
    configPath,
    [
      "seeds:",
      ...ports.slice(0, 3).flatMap((port) => ["  - ip: ::1", `    port: ${port}`]),
      "peer_port_range:",
      "  start: 20000",
      "  end: 20100",
      "peer_ip: ::1",
      "initial_peers: 0",
      "profile: fast",
      `data_dir: ${join(directory, "data")}`,
      "",
    ].join("\n"),
  );
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
