/**
 * A p2p network on namespaced hosts: seeds each on a host of their own, peers in groups on
 * other hosts, every host with its own directory (config.yml copy, .data, logs), run from the
 * built bins exactly as the README's "Running the nodes yourself" describes.
 */
import { execFile, execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PEER_PROCESS_FLAGS } from "../../apps/cli-support/src/files/child-process.js";
import type { Host, Network } from "./net.js";
import { type HostProcess, startIn, stop, waitReady, waitUntil } from "./procs.js";

/** The repository root. */
export const ROOT = resolve(import.meta.dirname, "..", "..");
const SEED_BIN = join(ROOT, "apps", "seed", "bin", "seed.mjs");
const PEER_BIN = join(ROOT, "apps", "peer", "bin", "peer.mjs");
const MEMBERS_BIN = join(ROOT, "apps", "seed", "bin", "members.mjs");
export const SEED_PORT = 5000;
const FIRST_PEER_PORT = 6000;
/** A peer at port p serves its metrics at p + this. */
const METRICS_OFFSET = 3000;

/** One record as `p2p-members --json` prints it (the fields the checks read). */
export interface MemberView {
  readonly address: string;
  readonly status: "alive" | "dead" | "left";
  readonly incarnation: number;
}

/** `p2p-members --json`: every seed's answer and whether the seeds agree. */
export interface MembersReport {
  readonly answers: readonly {
    readonly seed: string;
    readonly ok: boolean;
    readonly members?: readonly { readonly record: MemberView }[];
  }[];
  readonly isAgreed: boolean;
  readonly disagreements: readonly string[];
}

/** One JSON line of peer.log or seed.log. */
export interface LogEvent {
  readonly time: string;
  readonly node: string;
  readonly event: string;
  readonly [field: string]: unknown;
}

/** A node process with its address and host. */
export interface NodeHandle {
  readonly address: string;
  readonly host: Host;
  process: HostProcess;
}

/** The network: its hosts, directories, seeds and peers. */
export class Cluster {
  readonly seeds: NodeHandle[] = [];
  readonly peers = new Map<string, NodeHandle>();
  readonly seedHosts: Host[] = [];
  readonly peerHosts: Host[] = [];
  private readonly harnessDirectory: string;
  private readonly nextPort = new Map<string, number>();

  /**
   * Creates `seedCount` seed hosts (`.1`…) and `peerHostCount` peer hosts (`.11`…) on
   * `network`, each with its directory under `directory`, and writes config.yml with every
   * seed's key (made by `seed key` in the seed host's own .data).
   */
  constructor(
    readonly network: Network,
    readonly directory: string,
    seedCount: number,
    peerHostCount: number,
    timing: Readonly<Record<string, number>> = {},
  ) {
    for (let index = 0; index < seedCount; index++) {
      this.seedHosts.push(network.addHost(`s${index + 1}`, index + 1));
    }
    for (let index = 0; index < peerHostCount; index++) {
      this.peerHosts.push(network.addHost(`h${index + 1}`, index + 11));
    }
    this.harnessDirectory = join(directory, "harness");
    for (const host of [...this.seedHosts, ...this.peerHosts]) {
      mkdirSync(this.hostDirectory(host), { recursive: true });
    }
    mkdirSync(this.harnessDirectory, { recursive: true });
    const seedLines = this.seedHosts.map((host) => {
      const printed = execFileSync(
        process.execPath,
        [
          SEED_BIN,
          "key",
          `${host.ip}:${SEED_PORT}`,
          "--data-dir",
          join(this.hostDirectory(host), ".data"),
        ],
        { encoding: "utf8" },
      );
      const key = /\b[0-9a-f]{64}\b/.exec(printed)?.[0];
      if (key === undefined) throw new Error(`seed key printed no key: ${printed}`);
      return `  - { ip: ${host.ip}, port: ${SEED_PORT}, key: ${key} }`;
    });
    const timingLines = Object.entries(timing).map(([name, value]) => `  ${name}: ${value}`);
    const config = [
      "seeds:",
      ...seedLines,
      `peer_port_range: { start: ${FIRST_PEER_PORT}, end: ${FIRST_PEER_PORT + 999} }`,
      "initial_peers: 0",
      "profile: fast",
      ...(timingLines.length > 0 ? ["timing:", ...timingLines] : []),
      "data_dir: .data",
      "",
    ].join("\n");
    for (const host of [...this.seedHosts, ...this.peerHosts]) {
      writeFileSync(join(this.hostDirectory(host), "config.yml"), config);
    }
    writeFileSync(join(this.harnessDirectory, "config.yml"), config);
  }

  /** The directory of `host` (its config.yml, .data, logs). */
  hostDirectory(host: Host): string {
    return join(this.directory, host.name);
  }

  /** Starts every seed and waits until each is ready; copies config.txt to the peer hosts. */
  async startSeeds(): Promise<void> {
    for (const host of this.seedHosts) {
      this.seeds.push({ address: `${host.ip}:${SEED_PORT}`, host, process: this.spawnSeed(host) });
    }
    await Promise.all(this.seeds.map((seed) => waitReady(seed.process, 60_000)));
    const written = join(this.hostDirectory(this.seedHosts[0] as Host), "config.txt");
    for (const host of this.peerHosts) {
      if (existsSync(written)) copyFileSync(written, join(this.hostDirectory(host), "config.txt"));
    }
  }

  /** Restarts a seed (after a kill) from its data directory; resolves once it is ready. */
  async restartSeed(seed: NodeHandle): Promise<void> {
    seed.process = this.spawnSeed(seed.host);
    await waitReady(seed.process, 60_000);
  }

  private spawnSeed(host: Host): HostProcess {
    const directory = this.hostDirectory(host);
    return startIn(
      host,
      `seed ${host.ip}`,
      [
        process.execPath,
        SEED_BIN,
        `${host.ip}:${SEED_PORT}`,
        "--config",
        join(directory, "config.yml"),
      ],
      {},
      join(directory, "stderr.txt"),
    );
  }

  /** Starts one peer on `host` at its next free port (not waiting); `env` e.g. for faketime. */
  startPeer(host: Host, env: Readonly<Record<string, string>> = {}): NodeHandle {
    const port = this.nextPort.get(host.name) ?? FIRST_PEER_PORT;
    this.nextPort.set(host.name, port + 1);
    const address = `${host.ip}:${port}`;
    const directory = this.hostDirectory(host);
    const started = startIn(
      host,
      `peer ${address}`,
      [
        process.execPath,
        ...PEER_PROCESS_FLAGS, // the flags of the bin's #! line
        PEER_BIN,
        address,
        "--config",
        join(directory, "config.yml"),
        "--metrics",
        `${host.ip}:${port + METRICS_OFFSET}`,
        // P2P_HOSTS_LOG_LEVEL=debug keeps every dropped message in peer.log (to explain a failure).
        ...(process.env.P2P_HOSTS_LOG_LEVEL === undefined
          ? []
          : ["--log-level", process.env.P2P_HOSTS_LOG_LEVEL]),
      ],
      env,
      join(directory, "stderr.txt"),
    );
    const handle: NodeHandle = { address, host, process: started };
    this.peers.set(address, handle);
    return handle;
  }

  /** Starts `perHost` peers on every peer host and waits until all are ready. */
  async startPeers(perHost: number, timeoutMs = 120_000): Promise<NodeHandle[]> {
    const started: NodeHandle[] = [];
    for (let index = 0; index < perHost; index++) {
      for (const host of this.peerHosts) started.push(this.startPeer(host));
    }
    await Promise.all(started.map((peer) => waitReady(peer.process, timeoutMs)));
    return started;
  }

  /** Stops a peer gracefully (SIGTERM: it leaves through the seeds) and forgets it. */
  async leavePeer(peer: NodeHandle): Promise<number | null> {
    this.peers.delete(peer.address);
    return stop(peer.process, "SIGTERM");
  }

  /** Kills a peer (SIGKILL) and forgets it. */
  async killPeer(peer: NodeHandle): Promise<void> {
    this.peers.delete(peer.address);
    await stop(peer.process);
  }

  /** Runs `p2p-members --json` from the harness's address and parses its report. */
  async members(timeoutMs = 3000): Promise<MembersReport> {
    const args = [MEMBERS_BIN, "--config", join(this.harnessDirectory, "config.yml")];
    const stdout = await new Promise<string>((done) => {
      execFile(
        process.execPath,
        [...args, "--json", "--timeout", String(timeoutMs)],
        { timeout: timeoutMs * 4, maxBuffer: 64 * 1024 * 1024 },
        (_error, out) => done(String(out)),
      );
    });
    try {
      return JSON.parse(stdout) as MembersReport;
    } catch {
      return { answers: [], isAgreed: false, disagreements: [] };
    }
  }

  /** Every JSON event of the peer.log (or seed.log) files of every host. */
  logEvents(file: "peer.log" | "seed.log"): LogEvent[] {
    const events: LogEvent[] = [];
    for (const host of [...this.seedHosts, ...this.peerHosts]) {
      const path = join(this.hostDirectory(host), file);
      if (!existsSync(path)) continue;
      for (const line of readFileSync(path, "utf8").split("\n")) {
        if (!line.startsWith("{")) continue;
        try {
          events.push(JSON.parse(line) as LogEvent);
        } catch {
          // a torn line (the process was killed mid-write)
        }
      }
    }
    return events;
  }

  /** Every line of the outputfile.txt files of the peer hosts. */
  outputLines(): string[] {
    return this.peerHosts.flatMap((host) => {
      const path = join(this.hostDirectory(host), "outputfile.txt");
      return existsSync(path) ? readFileSync(path, "utf8").split("\n").filter(Boolean) : [];
    });
  }

  /** A peer's `p2p_*` metric values (name with labels → value), scraped over HTTP. */
  async metrics(address: string): Promise<Map<string, number>> {
    const [ip, port] = address.split(":") as [string, string];
    const response = await fetch(`http://${ip}:${Number(port) + METRICS_OFFSET}/metrics`, {
      signal: AbortSignal.timeout(5000),
    });
    const values = new Map<string, number>();
    for (const line of (await response.text()).split("\n")) {
      if (!line.startsWith("p2p_")) continue;
      const space = line.lastIndexOf(" ");
      values.set(line.slice(0, space), Number(line.slice(space + 1)));
    }
    return values;
  }

  /** Waits until every seed answers, the seeds agree and `check` holds; returns the wait. */
  async waitAgreed(
    what: string,
    check: (report: MembersReport) => boolean,
    timeoutMs: number,
  ): Promise<number> {
    let last: MembersReport | undefined;
    try {
      return await waitUntil(
        what,
        async () => {
          last = await this.members();
          return last.isAgreed && last.answers.every((answer) => answer.ok) && check(last);
        },
        timeoutMs,
      );
    } catch (error) {
      const detail = last === undefined ? "" : ` (last report: ${summarise(last)})`;
      throw new Error(`${error instanceof Error ? error.message : String(error)}${detail}`);
    }
  }
}

/** One seed's records by address, from a members report (undefined if it did not answer). */
export function recordsAt(
  report: MembersReport,
  seed: string,
): Map<string, MemberView> | undefined {
  const answer = report.answers.find((candidate) => candidate.seed === seed);
  if (answer === undefined || !answer.ok) return undefined;
  return new Map((answer.members ?? []).map((entry) => [entry.record.address, entry.record]));
}

/** A short description of a report: per seed, how many records of each status. */
function summarise(report: MembersReport): string {
  const seeds = report.answers.map((answer) => {
    if (!answer.ok) return `${answer.seed}: no answer`;
    const counts = new Map<string, number>();
    for (const { record } of answer.members ?? []) {
      counts.set(record.status, (counts.get(record.status) ?? 0) + 1);
    }
    return `${answer.seed}: ${[...counts].map(([status, n]) => `${n} ${status}`).join(", ")}`;
  });
  const disagreements = report.disagreements.slice(0, 5).join(", ");
  return `${seeds.join("; ")}; agreed ${report.isAgreed}${disagreements ? ` (differ: ${disagreements})` : ""}`;
}

/** Every peer some seed removed as dead during the run (seed.log `member-removed`). */
export function removedPeers(cluster: Cluster): Set<string> {
  return new Set(
    cluster
      .logEvents("seed.log")
      .filter((event) => event.event === "member-removed")
      .map((event) => String(event.peer)),
  );
}

/**
 * Waits until the seeds agree and list each of `alive` alive with incarnation 0 (never
 * removed and rejoined); returns what is wrong instead when that does not happen in time.
 */
export async function expectAllAlive(
  cluster: Cluster,
  alive: readonly string[],
  timeoutMs: number,
): Promise<string[]> {
  const isFine = (report: MembersReport, seed: string, address: string) => {
    const record = recordsAt(report, seed)?.get(address);
    return record?.status === "alive" && record.incarnation === 0;
  };
  try {
    await cluster.waitAgreed(
      "every live peer alive (incarnation 0) at every seed",
      (report) =>
        cluster.seeds.every((seed) => alive.every((peer) => isFine(report, seed.address, peer))),
      timeoutMs,
    );
    return [];
  } catch (error) {
    const report = await cluster.members();
    const wrong = cluster.seeds.flatMap((seed) =>
      alive
        .filter((peer) => !isFine(report, seed.address, peer))
        .map((peer) => {
          const record = recordsAt(report, seed.address)?.get(peer);
          const found = record === undefined ? "absent" : `${record.status} ${record.incarnation}`;
          return `${peer} is ${found} at ${seed.address}`;
        }),
    );
    return wrong.length > 0 ? wrong : [error instanceof Error ? error.message : String(error)];
  }
}
