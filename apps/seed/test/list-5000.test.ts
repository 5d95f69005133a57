// Integration: 3 real seed processes over TCP on 127.0.0.1 holding 5,000 members (more than one
// 1 MiB frame could carry), read page by page by `members --json` and by `queryMembers`.
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createProcessRandom,
  type MembersReport,
  nodeDataDirectory,
  queryMembers,
} from "@p2p/cli-support";
import type { AcceptorState, MemberRecord } from "@p2p/quorum";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLmdbStorage } from "../src/storage/lmdb-storage.js";
import {
  freePorts,
  killAll,
  readPinnedSeeds,
  startApp,
  waitFor,
  waitReady,
  writeTestConfig,
} from "./processes.js";

const MEMBERS = 5_000;
let directory: string;
let configPath: string;
let seedAddresses: string[];

/** The i-th member's address (127.1.x.y, never dialled: no seed probes a member unprompted). */
const memberAddress = (index: number) => `127.1.${index >> 8}.${index & 255}:7000`;

/** The same 5,000 alive records, each with four neighbours and a key (≈ 1.3 MB in one list). */
function memberRecords(changedAt: number): MemberRecord[] {
  return Array.from({ length: MEMBERS }, (_, index) => ({
    address: memberAddress(index),
    status: "alive" as const,
    incarnation: 0,
    publicKey: index.toString(16).padStart(64, "0"),
    neighbours: [1, 2, 3, 4].map((step) => memberAddress((index + step) % MEMBERS)).sort(),
    changedAt,
  }));
}

/**
 * Writes every record into a seed's acceptor storage, as accepted at one ballot by every seed
 * and known committed (so a seed shows it at start instead of quorum-reading all 5,000 first).
 */
async function prepopulate(address: string, records: readonly MemberRecord[]): Promise<void> {
  const dataDirectory = nodeDataDirectory(join(directory, "data"), "seed", address);
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
  const storage = createLmdbStorage<AcceptorState>(join(dataDirectory, "acceptor.mdb"));
  const ballot = { counter: 7, proposer: [...seedAddresses].sort()[0] as string };
  await Promise.all(
    records.map((record) =>
      storage.save(record.address, {
        promised: ballot,
        accepted: {
          ballot,
          value: record,
          operations: [`seed-import:${record.address}`],
          committed: true,
        },
      }),
    ),
  );
  await storage.close();
}

const query = (): Promise<MembersReport> =>
  queryMembers({
    seeds: readPinnedSeeds(directory),
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 5_000,
  });

/** How many records each seed listed (0 for a seed that did not answer). */
const counts = (report: MembersReport) =>
  report.answers.map((answer) => (answer.ok ? answer.members.length : 0));

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-list-5000-"));
  const ports = await freePorts(3);
  seedAddresses = ports.map((port) => `127.0.0.1:${port}`);
  configPath = writeTestConfig(directory, "127.0.0.1", ports);
  const records = memberRecords(Date.now());
  for (const address of seedAddresses) await prepopulate(address, records);
  const seeds = seedAddresses.map((address) =>
    startApp("seed", "main", [address, "--config", configPath], address),
  );
  await Promise.all(seeds.map((seed) => waitReady(seed)));
}, 60_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("a directory of 5,000 members", () => {
  it("every seed lists all 5,000, page by page, to queryMembers and to `members --json`", async () => {
    // A restarted seed may quorum-read records before it shows them: wait, do not assume.
    let last: number[] = [];
    await waitFor(
      `every seed to list ${MEMBERS} members`,
      async () => {
        last = counts(await query());
        return last.length === 3 && last.every((count) => count === MEMBERS);
      },
      90_000,
    ).catch((error: unknown) => {
      throw new Error(`${String(error)} (the seeds listed ${last.join(", ")})`);
    });
    const cli = startApp("seed", "members", ["--config", configPath, "--json"]);
    const code = await cli.exited;
    expect(code, cli.errors.join("\n")).toBe(0);
    const report = JSON.parse(cli.lines.join("\n")) as MembersReport;
    expect(report.answers.map((answer) => answer.seed).sort()).toEqual([...seedAddresses].sort());
    const expected = Array.from({ length: MEMBERS }, (_, index) => memberAddress(index)).sort();
    for (const answer of report.answers) {
      expect(answer.ok, JSON.stringify(answer).slice(0, 200)).toBe(true);
      if (!answer.ok) continue;
      const listed = answer.members.map((entry) => entry.record.address);
      expect(listed).toEqual(expected);
      expect(answer.members.every((entry) => entry.record.status === "alive")).toBe(true);
    }
    expect(report.isAgreed).toBe(true);
  }, 150_000);
});
