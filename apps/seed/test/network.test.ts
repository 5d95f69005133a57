// Integration: real seed and peer processes over TCP on 127.0.0.1 (fast profile), through the CLIs.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { connect, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRandom, type MembersReport, queryMembers } from "@p2p/cli-support";
import { createPackr, encodeFrame, systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePorts,
  kill,
  killAll,
  type NodeProcess,
  readPinnedSeeds,
  startApp,
  waitFor,
  waitReady,
  writeTestConfig,
} from "./processes.js";

const PEERS = 10;
let directory: string;
let configPath: string;
let seedAddresses: string[];
let peerPorts: number[];
const seeds = new Map<string, NodeProcess>();
const peers = new Map<string, NodeProcess>();

const startSeed = (address: string) => {
  const node = startApp("seed", "main", [address, "--config", configPath], address);
  seeds.set(address, node);
  return node;
};
const startPeer = (address: string) => {
  const node = startApp("peer", "main", [address, "--config", configPath], address);
  peers.set(address, node);
  return node;
};
const members = (): Promise<MembersReport> =>
  queryMembers({
    seeds: pinnedSeeds(),
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 2_000,
  });
const aliveAt = (report: MembersReport, seed: string): string[] => {
  const answer = report.answers.find((candidate) => candidate.seed === seed);
  if (answer === undefined || !answer.ok) return [];
  return answer.members
    .filter((entry) => entry.record.status === "alive")
    .map((entry) => entry.record.address)
    .sort();
};
const statusAt = (report: MembersReport, seed: string, address: string) => {
  const answer = report.answers.find((candidate) => candidate.seed === seed);
  if (answer === undefined || !answer.ok) return undefined;
  return answer.members.find((entry) => entry.record.address === address)?.record.status;
};
const outputLines = (): string[] => {
  const path = join(directory, "outputfile.txt");
  return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
};

/** The seeds and their pinned keys, as the seeds wrote them to config.txt. */
const pinnedSeeds = () => readPinnedSeeds(directory);

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-network-"));
  const ports = await freePorts(3 + PEERS + 2);
  seedAddresses = ports.slice(0, 3).map((port) => `127.0.0.1:${port}`);
  peerPorts = ports.slice(3);
  configPath = writeTestConfig(directory, "127.0.0.1", ports.slice(0, 3));
  await Promise.all(seedAddresses.map((address) => waitReady(startSeed(address))));
  for (const port of peerPorts.slice(0, PEERS)) startPeer(`127.0.0.1:${port}`);
  await Promise.all([...peers.values()].map((peer) => waitReady(peer, 60_000)));
}, 120_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("the network over TCP (3 seeds, 10 peers, fast profile)", () => {
  it("every seed lists all 10 peers and the seeds agree; config.txt holds the seed set", async () => {
    const expected = [...peers.keys()].sort();
    await waitFor("every seed to list all peers", async () => {
      const report = await members();
      return (
        report.isAgreed &&
        seedAddresses.every((seed) => aliveAt(report, seed).join() === expected.join())
      );
    });
    expect(pinnedSeeds().map((seed) => seed.address)).toEqual(seedAddresses);
  }, 60_000);

  it("each peer delivers all 10 messages of every other peer, each exactly once", async () => {
    const pattern = /\[peer ([^\]]+)\] .*received from (\S+) \(origin (\S+)\): (\S+)$/;
    const tally = () => {
      const counts = new Map<string, number>();
      for (const line of outputLines()) {
        const match = pattern.exec(line);
        if (match === null) continue;
        const [, receiver, , origin, text] = match;
        const n = text?.split(":").pop();
        const key = `${receiver} ${origin} ${n}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    const addresses = [...peers.keys()];
    const expectedKeys = addresses.flatMap((receiver) =>
      addresses
        .filter((origin) => origin !== receiver)
        .flatMap((origin) =>
          Array.from({ length: 10 }, (_, i) => `${receiver} ${origin} ${i + 1}`),
        ),
    );
    await waitFor(
      "every peer to deliver every message",
      () => {
        const counts = tally();
        return expectedKeys.every((key) => counts.has(key));
      },
      60_000,
    );
    const counts = tally();
    for (const key of expectedKeys) expect(counts.get(key), key).toBe(1);
    // nothing delivered that was not expected (no echo of a peer's own message)
    expect(counts.size).toBe(expectedKeys.length);
  }, 90_000);

  it("garbage, an oversized prefix, a slow half-frame and an invalid message each close only that connection", async () => {
    const packr = createPackr();
    const attacks: Record<string, (socket: Socket) => void> = {
      garbage: (socket) => socket.write(Buffer.from("GET / HTTP/1.1\r\nHost: x\r\n\r\n")),
      oversized: (socket) => socket.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3])),
      "half-frame": (socket) => socket.write(Buffer.from([0, 0, 0, 100, 1, 2, 3, 4, 5])),
      "invalid message": (socket) =>
        socket.write(encodeFrame(packr.pack({ type: "quorum.bogus", x: 1 }))),
    };
    const targets = [seedAddresses[0]!, [...peers.keys()][0]!];
    for (const target of targets) {
      const [host, port] = [target.split(":")[0]!, Number(target.split(":")[1])];
      const results = await Promise.all(
        Object.entries(attacks).map(
          ([name, attack]) =>
            new Promise<{ name: string; localPort: number }>((done, fail) => {
              const socket = connect(port, host, () => attack(socket));
              const localPort = () => socket.localPort ?? 0;
              let port0 = 0;
              socket.on("connect", () => {
                port0 = localPort();
              });
              socket.on("error", () => {});
              socket.on("close", () => done({ name, localPort: port0 }));
              setTimeout(
                () => fail(new Error(`${target}: ${name} connection was not closed`)),
                15_000,
              );
            }),
        ),
      );
      const log = readFileSync(
        join(directory, target === seedAddresses[0] ? "seed.log" : "peer.log"),
        "utf8",
      );
      for (const { name, localPort } of results) {
        expect(log, `${target}: no logged reason for ${name}`).toMatch(
          new RegExp(`127\\.0\\.0\\.1:${localPort}\\b`),
        );
      }
    }
    const report = await members();
    expect(report.answers.every((answer) => answer.ok)).toBe(true);
    expect(aliveAt(report, seedAddresses[0]!)).toHaveLength(PEERS);
  }, 60_000);

  it("a killed peer is reported by its neighbours and removed at every seed; no live peer is", async () => {
    const victimAddress = [...peers.keys()][3]!;
    await kill(peers.get(victimAddress)!);
    await waitFor(
      "every seed to remove the killed peer",
      async () => {
        const report = await members();
        return seedAddresses.every((seed) => statusAt(report, seed, victimAddress) === "dead");
      },
      45_000,
    );
    const report = await members();
    for (const seed of seedAddresses) {
      for (const address of peers.keys()) {
        if (address !== victimAddress)
          expect(statusAt(report, seed, address), `${address} at ${seed}`).toBe("alive");
      }
    }
    const deadLines = outputLines().filter((line) => line.includes(`Dead Node:${victimAddress}:`));
    expect(deadLines.length).toBeGreaterThan(0);
    expect(deadLines[0]).toMatch(/\] Dead Node:127\.0\.0\.1:\d+:\d+:127\.0\.0\.1$/);
    peers.delete(victimAddress);
  }, 60_000);

  it("with one seed of three down a peer registers; with two down it is refused, and registers once one is revived", async () => {
    const [first, second] = seedAddresses as [string, string, string];
    await kill(seeds.get(first)!);
    const joiner = startPeer(`127.0.0.1:${peerPorts[PEERS]}`);
    await waitReady(joiner, 30_000);

    await kill(seeds.get(second)!);
    const refused = startPeer(`127.0.0.1:${peerPorts[PEERS + 1]}`);
    await waitFor(
      "the refusal",
      () => refused.lines.some((line) => line.includes("registration refused")),
      30_000,
    );
    expect(refused.lines.some((line) => line.startsWith("ready "))).toBe(false);
    const refusal = refused.lines.find((line) => line.includes("registration refused"))!;
    expect(refusal).toMatch(/no majority of the 3 seeds/);

    const revived = startSeed(second);
    await waitReady(revived);
    // Durability: the SIGKILLed seed restored from its LMDB directory every record it had
    // accepted (the 10 first peers, one of them now dead, and the peer that joined later).
    const restored = revived.lines.map((line) => /(\d+) records restored/.exec(line)).find(Boolean);
    expect(Number(restored?.[1])).toBeGreaterThanOrEqual(PEERS + 1);
    await waitReady(refused, 30_000);
    // the revived seed kept what it had accepted before its SIGKILL, and learns the rest
    await waitFor("the revived seed to list the peer that joined while it was down", async () => {
      const report = await members();
      return statusAt(report, second, joiner.address) === "alive";
    });
  }, 90_000);
});
