// The p2p side: real seed and peer processes from the built bins (apps/seed/bin/seed.mjs,
// apps/peer/bin/peer.mjs) on 127.0.0.1, in a directory of their own (config.yml, config.txt,
// seed.log, peer.log, outputfile.txt, .data/), observed through their own output.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PEER_PROCESS_FLAGS } from "../../apps/cli-support/src/files/child-process.js";
import { type Message, RemovalLog } from "./observations.js";
import { type Child, freePorts, killChild, runToEnd, spawnChild, waitUntil } from "./processes.js";

/** The repository root (this file is bench/compare/p2p.ts). */
export const REPO_ROOT = fileURLToPath(new URL("../../", import.meta.url));
const bin = (app: string, name: string) => join(REPO_ROOT, "apps", app, "bin", `${name}.mjs`);
const START_TIMEOUT_MS = 30_000;

/** A seed's stdout line for a committed removal: `<time> [seed <ip:port>] removed <peer> (dead…`. */
const REMOVED = /^(\S+) \[seed (\S+)\] removed (\S+) \(dead/;
/** outputfile.txt: `<time> [peer <ip:port>] received from <n> (origin <o>): <ms>:<ip>:<k>`. */
const DELIVERED = /^(\S+) \[peer (\S+)\] received from \S+ \(origin (\S+)\): ((\d+):\S+)$/;

/** Seeds (and peers) of one p2p network on loopback, each a real process. */
export class P2pNetwork {
  readonly seeds: Child[] = [];
  readonly peers = new Map<string, Child>();
  /** Every removal line of the seeds (peer, seed, the seed's own time). */
  readonly removals = new RemovalLog();
  /** Wall time (ms) of the last `published` line of any peer. */
  lastPublishedMs = 0;
  /** Wall time (ms) at which the youngest peer printed its ready line. */
  lastReadyMs = 0;
  private seedAddresses: string[] = [];

  /**
   * A network that lives in `directory`; peers generate `messageCount` messages each and
   * forward gossip by `forwarding` (config.yml's `gossip_forwarding`, default flooding).
   */
  constructor(
    readonly directory: string,
    private readonly messageCount: number,
    private readonly forwarding: "flood" | "plumtree" = "flood",
  ) {}

  /** Writes config.yml, starts 3 seeds and waits until each prints its ready line. */
  async startSeeds(): Promise<void> {
    const ports = await freePorts(3);
    this.seedAddresses = ports.map((port) => `127.0.0.1:${port}`);
    writeFileSync(
      join(this.directory, "config.yml"),
      [
        "seeds:",
        ...ports.map((port) => `  - { ip: 127.0.0.1, port: ${port} }`),
        "peer_port_range: { start: 20000, end: 32000 }",
        "initial_peers: 0",
        "profile: fast",
        "timing:",
        `  gossip_message_count: ${this.messageCount}`,
        `gossip_forwarding: ${this.forwarding}`,
        "",
      ].join("\n"),
    );
    for (const address of this.seedAddresses) {
      const seed = spawnChild(`seed ${address}`, process.execPath, [
        bin("seed", "seed"),
        address,
        "--config",
        join(this.directory, "config.yml"),
      ]);
      seed.onLine((line) => {
        const match = line.match(REMOVED);
        if (match === null) return;
        const [, time, seedAddress, peer] = match as unknown as [string, string, string, string];
        this.removals.record(peer, seedAddress, Date.parse(time));
      });
      this.seeds.push(seed);
    }
    await Promise.all(this.seeds.map((seed) => seed.waitForLine(/^ready seed /, START_TIMEOUT_MS)));
  }

  /** The seeds' pinned identity keys, from the config.txt they wrote (`ip:port key` lines). */
  pinnedSeeds(): { address: string; key: string }[] {
    return readFileSync(join(this.directory, "config.txt"), "utf8")
      .split("\n")
      .filter((line) => /^\S+ [0-9a-f]{64}$/.test(line))
      .map((line) => {
        const [address, key] = line.split(" ") as [string, string];
        return { address, key };
      });
  }

  /**
   * Starts a peer (config.yml's fast profile) on a free port; resolves once it registered (its ready line)
   * and reported at least one neighbour.
   */
  async addPeer(): Promise<string> {
    const [port] = await freePorts(1);
    const address = `127.0.0.1:${port}`;
    const peer = spawnChild(`peer ${address}`, process.execPath, [
      ...PEER_PROCESS_FLAGS, // the flags of the bin's #! line
      bin("peer", "peer"),
      address,
      "--config",
      join(this.directory, "config.yml"),
      // The fast profile comes from config.yml (`profile: fast`): `--profile fast` would drop
      // its timing section, and with it the message count.
    ]);
    peer.onLine((line, atMs) => {
      if (line.includes("] published ")) this.lastPublishedMs = atMs;
    });
    const neighbours = peer.waitForLine(/\] neighbours: \d/, START_TIMEOUT_MS);
    neighbours.catch(() => {}); // awaited below, after the ready line
    await peer.waitForLine(/^ready peer /, START_TIMEOUT_MS);
    this.lastReadyMs = Date.now();
    this.peers.set(address, peer);
    if (this.peers.size > 1) await neighbours;
    return address;
  }

  /** The wall time just before `address` got SIGKILL; the peer is no longer counted. */
  kill(address: string): number {
    const peer = this.peers.get(address);
    if (peer === undefined) throw new Error(`no peer ${address}`);
    this.peers.delete(address);
    return killChild(peer);
  }

  /**
   * Resolves with when the last seed logged `address` removed (its own clock, ms) at or after
   * `killedAtMs`: a removal from before the kill was a false one, not this detection.
   */
  async removedEverywhere(address: string, killedAtMs: number, timeoutMs: number): Promise<number> {
    let removedAt: number | undefined;
    await waitUntil(
      () => {
        removedAt = this.removals.removedEverywhere(address, this.seedAddresses, killedAtMs);
        return removedAt !== undefined;
      },
      timeoutMs,
      `p2p: ${address} removed at every seed`,
    );
    return removedAt as number;
  }

  /** Peers removed while alive: never killed, or removed before their kill (`killedAt`, ms). */
  falseRemovals(killedAt: ReadonlyMap<string, number>): string[] {
    return this.removals.falseRemovals(killedAt);
  }

  /** Every message in outputfile.txt with each peer's delivery time (both from the peers' own lines). */
  messages(): Message[] {
    const byKey = new Map<string, Message>();
    const text = readFileSync(join(this.directory, "outputfile.txt"), "utf8");
    for (const line of text.split("\n")) {
      const match = line.match(DELIVERED);
      if (match === null) continue;
      const [, time, peer, origin, body, stamp] = match as unknown as string[];
      const key = `${origin} ${body}`;
      let message = byKey.get(key);
      if (message === undefined) {
        message = {
          origin: origin as string,
          text: body as string,
          stampedMs: Number(stamp),
          deliveredMs: new Map(),
        };
        byKey.set(key, message);
      }
      if (!message.deliveredMs.has(peer as string)) {
        message.deliveredMs.set(peer as string, Date.parse(time as string));
      }
    }
    return [...byKey.values()];
  }

  /** Asks the seeds through the built `members` bin: alive members at each seed, agreed or not. */
  async members(): Promise<{ alive: number[]; isAgreed: boolean }> {
    const out = await runToEnd(process.execPath, [
      bin("seed", "members"),
      "--config",
      join(this.directory, "config.yml"),
      "--json",
    ]);
    const report = JSON.parse(out) as {
      isAgreed: boolean;
      answers: { ok: boolean; members?: { record: { status: string } }[] }[];
    };
    return {
      isAgreed: report.isAgreed,
      alive: report.answers.map(
        (answer) =>
          answer.members?.filter((member) => member.record.status === "alive").length ?? -1,
      ),
    };
  }

  /** Every seed and peer process still running. */
  processes(): Child[] {
    return [...this.seeds, ...this.peers.values()];
  }

  /** Kills every seed and peer (SIGKILL by PID). */
  stop(): void {
    for (const child of this.processes()) killChild(child);
    this.peers.clear();
  }
}
