// Integration: real seed and peer processes (fast profile) with --metrics: their Prometheus
// endpoints, seed.log and peer.log (one JSON object per event) and outputfile.txt.
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  freePorts,
  killAll,
  type NodeProcess,
  startApp,
  waitFor,
  waitReady,
  writeTestConfig,
} from "./processes.js";

let directory: string;
let configPath: string;
let seedAddresses: string[];
let seedMetrics: string[];
let peerAddresses: string[];
let peerMetrics: string;
const peers: NodeProcess[] = [];
const seeds: NodeProcess[] = [];

/** Scrapes `http://<address>/metrics` and returns every sample, by series (name and labels). */
async function scrape(address: string): Promise<Map<string, number>> {
  const response = await fetch(`http://${address}/metrics`);
  expect(response.status).toBe(200);
  const samples = new Map<string, number>();
  for (const line of (await response.text()).split("\n")) {
    if (line === "" || line.startsWith("#")) continue;
    const space = line.lastIndexOf(" ");
    samples.set(line.slice(0, space), Number(line.slice(space + 1)));
  }
  return samples;
}

const sample = (samples: Map<string, number>, series: string): number => samples.get(series) ?? 0;

/** Every line of a log file, parsed (each must be one JSON object). */
function jsonLines(name: "seed.log" | "peer.log"): Record<string, unknown>[] {
  const path = join(directory, name);
  if (!existsSync(path)) return [];
  const text = readFileSync(path, "utf8");
  return text
    .split("\n")
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

const startPeer = (address: string, extra: readonly string[] = []) => {
  const node = startApp("peer", "main", [address, "--config", configPath, ...extra], address);
  peers.push(node);
  return node;
};

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-metrics-"));
  const ports = await freePorts(3 + 3 + 4 + 1);
  const seedPorts = ports.slice(0, 3);
  seedAddresses = seedPorts.map((port) => `127.0.0.1:${port}`);
  seedMetrics = ports.slice(3, 6).map((port) => `127.0.0.1:${port}`);
  peerAddresses = ports.slice(6, 10).map((port) => `127.0.0.1:${port}`);
  peerMetrics = `127.0.0.1:${ports[10]}`;
  configPath = writeTestConfig(directory, "127.0.0.1", seedPorts);
  seedAddresses.forEach((address, index) => {
    const metrics = ["--metrics", seedMetrics[index] ?? ""];
    seeds.push(startApp("seed", "main", [address, "--config", configPath, ...metrics], address));
  });
  await Promise.all(seeds.map((seed) => waitReady(seed)));
  startPeer(peerAddresses[0] ?? "", ["--metrics", peerMetrics]);
  for (const address of peerAddresses.slice(1, 3)) startPeer(address);
  await Promise.all(peers.map((peer) => waitReady(peer, 60_000)));
}, 120_000);

afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("logs and metrics of live seeds and peers (fast profile)", () => {
  it("seeds' /metrics count and time the registrations", async () => {
    await waitFor(
      "every seed to count the 3 registrations",
      async () => {
        const scrapes = await Promise.all(seedMetrics.map(scrape));
        return scrapes.every(
          (samples) => sample(samples, 'p2p_quorum_member_changes_total{change="registered"}') >= 3,
        );
      },
      30_000,
    );
    const scrapes = await Promise.all(seedMetrics.map(scrape));
    const commits = scrapes.map((samples) =>
      sample(samples, "p2p_quorum_commit_latency_seconds_count"),
    );
    // Each registration was answered by a majority of the seeds, each timing its own answer.
    expect(commits.reduce((total, count) => total + count, 0)).toBeGreaterThanOrEqual(3);
    for (const samples of scrapes) {
      expect(sample(samples, 'p2p_quorum_commit_latency_seconds_bucket{le="+Inf"}')).toBe(
        sample(samples, "p2p_quorum_commit_latency_seconds_count"),
      );
      expect(sample(samples, 'p2p_quorum_members{status="alive"}')).toBeGreaterThanOrEqual(3);
      expect(sample(samples, "p2p_link_handshakes_completed_total")).toBeGreaterThan(0);
      expect(sample(samples, "p2p_link_received_bytes_total")).toBeGreaterThan(0);
      expect(samples.has("p2p_quorum_no_quorum_total")).toBe(true);
      expect(samples.has("process_resident_memory_bytes")).toBe(true);
    }
  }, 60_000);

  it("a peer's /metrics move as messages flow: deliveries, copies, pings, frames and bytes", async () => {
    const before = await scrape(peerMetrics);
    // A new peer publishes its own messages, which reach every peer.
    await waitReady(startPeer(peerAddresses[3] ?? ""), 60_000);
    const moved = [
      "p2p_gossip_messages_delivered_total",
      "p2p_gossip_copies_sent_total",
      "p2p_liveness_pings_sent_total",
      "p2p_link_frames_sent_total",
      "p2p_link_frames_received_total",
      "p2p_link_sent_bytes_total",
      "p2p_link_received_bytes_total",
    ];
    let after = before;
    await waitFor(
      "the peer's counters to move",
      async () => {
        after = await scrape(peerMetrics);
        return moved.every((series) => sample(after, series) > sample(before, series));
      },
      45_000,
    );
    expect(sample(after, "p2p_link_handshakes_completed_total")).toBeGreaterThan(0);
    expect(sample(after, "p2p_overlay_neighbours")).toBeGreaterThan(0);
    expect(after.has("p2p_gossip_duplicates_dropped_total")).toBe(true);
    expect(after.has("p2p_liveness_suspicions_raised_total")).toBe(true);
    const notFound = await fetch(`http://${peerMetrics}/`);
    expect(notFound.status).toBe(404);
    await notFound.text();
  }, 90_000);

  it("seed.log and peer.log hold one JSON object per event; outputfile.txt one stamp per line", async () => {
    await waitFor("a delivery in peer.log", () =>
      jsonLines("peer.log").some((line) => line.event === "message-delivered"),
    );
    const seedLines = jsonLines("seed.log");
    for (const line of [...seedLines, ...jsonLines("peer.log")]) {
      expect(typeof line.time).toBe("string");
      expect(line.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
      expect(["trace", "debug", "info", "warn", "error"]).toContain(line.level);
      expect(line.node).toMatch(/^(seed|peer) 127\.0\.0\.1:\d+$/);
      expect(typeof line.event).toBe("string");
    }
    const registered = seedLines.filter((line) => line.event === "member-registered");
    expect(registered.length).toBeGreaterThan(0);
    expect(registered[0]).toMatchObject({ incarnation: 0 });
    expect(peerAddresses).toContain(registered[0]?.peer);
    const peerLines = jsonLines("peer.log");
    const joins = peerLines.filter((line) => line.event === "registered");
    expect(new Set(joins.map((line) => line.node)).size).toBeGreaterThanOrEqual(3);
    expect(joins[0]?.seeds).toEqual(expect.arrayContaining([expect.stringMatching(/^127\./)]));
    const delivered = peerLines.find((line) => line.event === "message-delivered");
    expect(delivered).toMatchObject({
      from: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
      origin: expect.stringMatching(/^127\.0\.0\.1:\d+$/),
    });

    const output = readFileSync(join(directory, "outputfile.txt"), "utf8").split("\n");
    expect(output.pop()).toBe("");
    expect(output.length).toBeGreaterThan(0);
    for (const line of output) {
      expect(line).toMatch(
        /^\d{4}-\d\d-\d\dT[\d:.]+Z \[peer 127\.0\.0\.1:\d+\] (received from \S+ \(origin \S+\): \S+|Dead Node:\S+)$/,
      );
    }
    // stdout: the readable lines the starter sorts (joins are notable).
    expect(
      seeds[0]?.lines.some((line) => / \[seed [^\]]+\] registered 127\.0\.0\.1:\d+ /.test(line)),
    ).toBe(true);
    expect(
      peers[0]?.lines.some((line) =>
        / \[peer [^\]]+\] registered \(incarnation 0\) with /.test(line),
      ),
    ).toBe(true);
  }, 60_000);

  it("a --metrics port in use stops a peer with one line and exit 78, before it registers", async () => {
    const address = "127.0.0.1:1";
    const peer = startApp("peer", "main", [
      address,
      "--config",
      configPath,
      "--metrics",
      peerMetrics,
    ]);
    expect(await peer.exited).toBe(78);
    expect(peer.errors.filter(Boolean)).toEqual([
      `peer: --metrics ${peerMetrics}: cannot listen: the port is in use; choose another`,
    ]);
    const seedSamples = await scrape(seedMetrics[0] ?? "");
    expect(seedSamples.has('p2p_quorum_members{status="alive"}')).toBe(true);
    expect(jsonLines("seed.log").some((line) => line.peer === address)).toBe(false);
  }, 30_000);
});
