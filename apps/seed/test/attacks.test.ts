// Attacks over real TCP processes (3 seeds, 3 peers, fast profile): a stranger with its own key,
// speaking through the node's link layer, claims the address of a live peer or of a seed.
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createEphemeralIdentity,
  createProcessRandom,
  type MembersReport,
  queryMembers,
  verifyEd25519,
} from "@p2p/cli-support";
import { createLinks, createWireCodec, type WireMessage } from "@p2p/node";
import type { MemberRecord } from "@p2p/quorum";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
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

let directory: string;
let configPath: string;
let seedAddresses: string[];
let peerAddresses: string[];
let sparePorts: number[];
const seeds = new Map<string, NodeProcess>();
const attackerIdentity = createEphemeralIdentity();

const startSeed = (address: string) => {
  const node = startApp("seed", "main", [address, "--config", configPath], address);
  seeds.set(address, node);
  return node;
};
const startPeer = (address: string): NodeProcess =>
  startApp("peer", "main", [address, "--config", configPath], address);

/** The seeds and their pinned keys, as the seeds wrote them to config.txt. */
const pinnedSeeds = () => readPinnedSeeds(directory);

const members = (): Promise<MembersReport> =>
  queryMembers({
    seeds: pinnedSeeds(),
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 2_000,
  });
const recordsOf = async (address: string): Promise<(MemberRecord | undefined)[]> =>
  (await members()).answers.map((answer) =>
    answer.ok
      ? answer.members.find((entry) => entry.record.address === address)?.record
      : undefined,
  );
const log = (name: "seed.log" | "peer.log") => {
  const path = join(directory, name);
  return existsSync(path) ? readFileSync(path, "utf8") : "";
};

/** A stranger that claims `claims` (with its own key) through the node's own link layer. */
const attacker = (claims: string, role: "seed" | "peer") =>
  createLinks<WireMessage>({
    self: claims,
    role,
    transport: createTcpTransport(),
    clock: systemClock,
    codec: createWireCodec(),
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    identity: attackerIdentity,
    verify: verifyEd25519,
    crypto: nodeNoiseCrypto,
  });

/** Every seed still holds `before` for its address, and the peer never re-registered. */
async function expectUnchanged(before: MemberRecord): Promise<void> {
  for (const record of await recordsOf(before.address)) {
    expect(record?.status).toBe("alive");
    expect(record?.incarnation).toBe(before.incarnation);
    expect(record?.publicKey).toBe(before.publicKey);
  }
}

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-attacks-"));
  const ports = await freePorts(3 + 3 + 3);
  seedAddresses = ports.slice(0, 3).map((port) => `127.0.0.1:${port}`);
  peerAddresses = ports.slice(3, 6).map((port) => `127.0.0.1:${port}`);
  sparePorts = ports.slice(6);
  configPath = writeTestConfig(directory, "127.0.0.1", ports.slice(0, 3));
  await Promise.all(seedAddresses.map((address) => waitReady(startSeed(address))));
  await Promise.all(peerAddresses.map((address) => waitReady(startPeer(address), 60_000)));
  await waitFor("every seed to list the 3 peers", async () => {
    const report = await members();
    return (
      report.isAgreed &&
      report.answers.every(
        (answer) =>
          answer.ok &&
          answer.members.filter((entry) => entry.record.status === "alive").length === 3,
      )
    );
  });
}, 120_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("no stranger can speak for a seed or a peer (real processes over TCP)", () => {
  it("an impostor of a live peer receives none of its traffic", async () => {
    const victim = peerAddresses[0]!;
    const [record] = await recordsOf(victim);
    // A neighbour of the victim pings it every second (fast profile): its traffic for the victim.
    const neighbour =
      peerAddresses.find((address) => record?.neighbours.includes(address)) ?? peerAddresses[1]!;
    const impostor = attacker(victim, "peer");
    const stolen: string[] = [];
    impostor.on("message", (_from, message) => stolen.push(message.type));
    for (const to of [neighbour, ...seedAddresses]) {
      impostor.send(to, { type: "liveness.ping", sequence: 1, sentAtMs: Date.now() });
    }
    await pause(4_000);
    await impostor.close();
    expect(stolen).toEqual([]);
    expect(log("peer.log")).toContain(`refused a link from ${victim}: ADDRESS_NOT_PROVEN`);
  }, 60_000);

  it("a forged leave for a live peer changes nothing", async () => {
    const victim = peerAddresses[1]!;
    const [before] = await recordsOf(victim);
    const forger = attacker(victim, "peer");
    for (let round = 0; round < 3; round++) {
      for (const seed of seedAddresses) {
        forger.send(seed, {
          type: "quorum.leave-request",
          requestId: `forged-leave-${round}`,
          address: victim,
          incarnation: before!.incarnation,
        });
      }
      await pause(1_000);
    }
    await pause(3_000);
    await forger.close();
    await expectUnchanged(before!);
    expect(log("seed.log")).toContain(`refused a link from ${victim}: ADDRESS_NOT_PROVEN`);
  }, 60_000);

  it("a forged seed round (removal, then key takeover) changes nothing", async () => {
    const victim = peerAddresses[2]!;
    const [before] = await recordsOf(victim);
    const [a, b, c] = seedAddresses as [string, string, string];
    const forger = attacker(b, "seed");
    const values: MemberRecord[] = [
      { ...before!, status: "left", changedAt: before!.changedAt + 1 },
      {
        ...before!,
        incarnation: before!.incarnation + 7,
        publicKey: attackerIdentity.publicKey,
        changedAt: before!.changedAt + 2,
      },
    ];
    let counter = 100_000;
    for (const value of values) {
      counter += 1_000;
      const ballot = { counter, proposer: b };
      for (const to of [a, c]) {
        forger.send(to, { type: "quorum.prepare", requestId: `p-${counter}`, key: victim, ballot });
        forger.send(to, {
          type: "quorum.accept",
          requestId: `a-${counter}`,
          key: victim,
          ballot,
          value,
          operations: [`forged-${counter}`],
          nextBallot: null,
        });
        forger.send(to, { type: "quorum.learn", key: victim, ballot, value });
      }
      await pause(1_500);
    }
    await pause(6_000); // anti-entropy would have spread anything the acceptors took
    await forger.close();
    await expectUnchanged(before!);
    expect(log("seed.log")).toMatch(new RegExp(`refused a link from ${b}: ROLE_REFUSED`));
  }, 60_000);

  it("a phantom (an address where nothing listens) is not registered", async () => {
    const phantom = `127.0.0.1:${sparePorts[0]}`;
    const forger = attacker(phantom, "peer");
    for (const seed of seedAddresses) {
      forger.send(seed, {
        type: "quorum.register-request",
        requestId: "phantom-1",
        address: phantom,
        publicKey: attackerIdentity.publicKey,
      });
    }
    await pause(5_000);
    await forger.close();
    for (const record of await recordsOf(phantom)) expect(record).toBeUndefined();
    expect(log("seed.log")).toContain(`refused a link from ${phantom}: ADDRESS_NOT_PROVEN`);
  }, 60_000);

  it("a promise at the top of the ballot range does not wedge a seed, also after its restart", async () => {
    const [a, b] = seedAddresses as [string, string];
    const forger = attacker(b, "seed");
    const top = { counter: 2 ** 48, proposer: b }; // the highest counter the wire carries
    for (const key of [...peerAddresses, `127.0.0.1:${sparePorts[1]}`]) {
      forger.send(a, {
        type: "quorum.promise",
        requestId: `wedge-${key}`,
        key,
        ballot: top,
        ok: false,
        promised: top,
        accepted: null,
      });
      forger.send(a, { type: "quorum.prepare", requestId: `wedge-p-${key}`, key, ballot: top });
    }
    await pause(2_000);
    await forger.close();
    await kill(seeds.get(a)!);
    await waitReady(startSeed(a));
    // The joiner knows only seed A, so A alone proposes its registration (to all three acceptors).
    const onlyA = join(directory, "only-a.txt");
    writeFileSync(
      onlyA,
      `${pinnedSeeds().find((seed) => seed.address === a)?.address} ${pinnedSeeds().find((seed) => seed.address === a)?.key}\n`,
    );
    const joiner = `127.0.0.1:${sparePorts[1]}`;
    await waitReady(
      startApp("peer", "main", [joiner, "--config", configPath, "--seeds", onlyA], joiner),
      60_000,
    );
    await waitFor("every seed to list the new peer alive", async () =>
      (await recordsOf(joiner)).every((record) => record?.status === "alive"),
    );
    expect(log("seed.log")).toContain(`refused a link from ${b}: ROLE_REFUSED`);
  }, 90_000);
});
