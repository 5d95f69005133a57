// Integration: one peer process hosting several peers (`peer --count`), with 3 real seeds.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createProcessRandom, type MembersReport, queryMembers } from "@p2p/cli-support";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  consecutiveFreePorts,
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

const HOSTED = 5;
const SILENT = 2;
let directory: string;
let configPath: string;
/** Hosts HOSTED peers that publish (the fast profile's 10 messages each). */
let host: NodeProcess;
/** Hosts SILENT peers started with `--messages 0`: they receive and forward, never publish. */
let silentHost: NodeProcess;
let addresses: string[];
let silentAddresses: string[];

const members = (): Promise<MembersReport> =>
  queryMembers({
    seeds: readPinnedSeeds(directory),
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 2_000,
  });

const statusesAtEverySeed = (report: MembersReport): string[][] =>
  report.answers.map((answer) =>
    [...addresses, ...silentAddresses].map(
      (address) =>
        (answer.ok
          ? answer.members.find((entry) => entry.record.address === address)?.record.status
          : undefined) ?? "absent",
    ),
  );

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-many-peers-"));
  const seedPorts = await freePorts(3);
  configPath = writeTestConfig(directory, "127.0.0.1", seedPorts);
  const seeds = seedPorts.map((port) =>
    startApp("seed", "main", [`127.0.0.1:${port}`, "--config", configPath], `127.0.0.1:${port}`),
  );
  await Promise.all(seeds.map((seed) => waitReady(seed)));
  const ports = await consecutiveFreePorts(HOSTED);
  addresses = ports.map((port) => `127.0.0.1:${port}`);
  host = startApp("peer", "main", [addresses[0] as string, "--config", configPath, "--count", "5"]);
  const silentPorts = await consecutiveFreePorts(SILENT);
  silentAddresses = silentPorts.map((port) => `127.0.0.1:${port}`);
  silentHost = startApp("peer", "main", [
    silentAddresses[0] as string,
    ...["--config", configPath, "--count", `${SILENT}`, "--messages", "0"],
  ]);
}, 60_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("peer --count: several peers in one process", () => {
  it("each hosted peer prints its ready line and every seed lists all of them alive", async () => {
    await waitFor(
      `${HOSTED} ready lines (output: ${host.lines.slice(-3).join(" | ")})`,
      () =>
        addresses.every((address) => host.lines.includes(`ready peer ${address}`)) &&
        silentAddresses.every((address) => silentHost.lines.includes(`ready peer ${address}`)),
      60_000,
    );
    const report = await members();
    expect(report.isAgreed).toBe(true);
    expect(statusesAtEverySeed(report)).toEqual(
      Array.from({ length: 3 }, () => [...addresses, ...silentAddresses].map(() => "alive")),
    );
  });

  it("every peer delivers every publishing peer's messages once; --messages 0 peers publish none", async () => {
    const deliveredBy = () => {
      const path = join(directory, "outputfile.txt");
      const lines = existsSync(path) ? readFileSync(path, "utf8").split("\n") : [];
      const counts = new Map<string, number>();
      for (const line of lines) {
        const match = line.match(/\[peer (\S+)\] received from \S+ \(origin (\S+)\): (\S+)$/);
        if (match === null) continue;
        const key = `${match[1]} ${match[2]} ${match[3]}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      return counts;
    };
    // The fast profile's generator: 10 messages from each publishing peer, delivered at the
    // other HOSTED - 1 and at both silent peers; the silent peers publish nothing.
    const expected = HOSTED * (HOSTED - 1 + SILENT) * 10;
    await waitFor(`${expected} deliveries`, () => deliveredBy().size >= expected, 60_000);
    const counts = deliveredBy();
    expect(counts.size).toBe(expected);
    expect([...counts.values()].every((count) => count === 1)).toBe(true);
    const origins = new Set([...counts.keys()].map((key) => key.split(" ")[1]));
    expect([...origins].sort()).toEqual([...addresses].sort());
  }, 90_000);

  it("prints a host line with its memory and event-loop delay", async () => {
    const isHostLine = (text: string) => text.startsWith("host: 5 peers, rss ");
    await waitFor("a host line", () => host.lines.some(isHostLine), 30_000);
    expect(host.lines.find(isHostLine)).toMatch(
      /MB per peer\), event loop delay p50 [\d.]+ ms, p99 [\d.]+ ms, max [\d.]+ ms, longest step [\d.]+ ms( \([\d.]+ ms on a CPU\))?, longest GC pause [\d.]+ ms/,
    );
    // On Linux the step's time on a CPU is known too (from /proc/thread-self/schedstat).
    if (process.platform === "linux")
      expect(host.lines.find(isHostLine)).toMatch(/longest step [\d.]+ ms \([\d.]+ ms on a CPU\)/);
  }, 40_000);

  it("SIGTERM makes every hosted peer leave by quorum, then the process exits 0", async () => {
    await Promise.all([kill(host, "SIGTERM"), kill(silentHost, "SIGTERM")]);
    expect(await host.exited).toBe(0);
    expect(await silentHost.exited).toBe(0);
    const report = await members();
    expect(statusesAtEverySeed(report)).toEqual(
      Array.from({ length: 3 }, () => [...addresses, ...silentAddresses].map(() => "left")),
    );
  }, 30_000);
});

describe("peer --control: one peer of a host started, crashed or made to leave", () => {
  it("starts a peer on `start`, crashes one on `crash` (the seeds remove it) and lets one leave on `leave`", async () => {
    const [first, second, third] = (await consecutiveFreePorts(3)).map(
      (port) => `127.0.0.1:${port}`,
    ) as [string, string, string];
    const controlled = startApp("peer", "main", [
      first,
      ...["--config", configPath, "--control", "--messages", "0"],
    ]);
    const send = (line: string) => controlled.child.stdin?.write(`${line}\n`);
    const hasLine = (line: string) => controlled.lines.includes(line);
    const statusOf = async (address: string) =>
      (await members()).answers.map((answer) =>
        answer.ok
          ? (answer.members.find((entry) => entry.record.address === address)?.record.status ??
            "absent")
          : "no answer",
      );
    await waitFor(`ready peer ${first}`, () => hasLine(`ready peer ${first}`), 60_000);

    send(`start ${second}`);
    send(`start ${third}`);
    send(`launch ${third}`);
    await waitFor(
      "the started peers' ready lines",
      () => hasLine(`ready peer ${second}`) && hasLine(`ready peer ${third}`),
      60_000,
    );
    expect(controlled.errors.join("\n")).toMatch(/peer: unknown command "launch"/);

    send(`crash ${second}`);
    await waitFor("the crash's exited line", () => hasLine(`exited peer ${second}: crashed`));
    // Nothing told the seeds: its neighbours find it dead and the seeds remove it.
    await waitFor(
      `${second} removed at every seed`,
      async () => (await statusOf(second)).every((status) => status === "dead"),
      60_000,
    );

    send(`leave ${third}`);
    await waitFor("the leave's exited line", () => hasLine(`exited peer ${third}: left`));
    expect(await statusOf(third)).toEqual(["left", "left", "left"]);
    // The host and its first peer go on.
    expect(controlled.child.exitCode).toBeNull();
    expect(await statusOf(first)).toEqual(["alive", "alive", "alive"]);
  }, 150_000);
});
