import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type NetworkConfig, nodeDataDirectory, parseConfig } from "@p2p/cli-support";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { FAKE_NODE, freePortBlock, isAlive, killAll, waitUntil } from "../test/helpers.js";
import { createManager, type Manager, type ManagerOptions } from "./manager.js";
import { CHILD_ENVIRONMENT, nodeCommand } from "./node-command.js";
import { startNodeProcess } from "./node-process.js";
import { createPeerHosts } from "./peer-hosts.js";

let directory = "";
let base = 0;
const started: Manager[] = [];
const servers: Server[] = [];

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "p2p-starter-"));
  base = await freePortBlock(12);
});

afterEach(async () => {
  for (const manager of started.splice(0)) {
    const pids = manager.list().flatMap((node) => (node.pid === undefined ? [] : [node.pid]));
    await manager.shutdown();
    killAll(pids.filter(isAlive));
  }
  for (const server of servers.splice(0)) server.close();
  await rm(directory, { recursive: true, force: true });
});

function testConfig(initialPeers: number, seedCount = 2): NetworkConfig {
  const seeds = Array.from(
    { length: seedCount },
    (_, index) => `  - ip: 127.0.0.1\n    port: ${base + index}\n`,
  ).join("");
  const text = `seeds:\n${seeds}peer_port_range:\n  start: ${base + 4}\n  end: ${base + 11}\ninitial_peers: ${initialPeers}\n`;
  const result = parseConfig(text, { baseDirectory: directory });
  if (!result.ok) throw result.error;
  return result.value;
}

function harness(
  config: NetworkConfig,
  overrides: Partial<ManagerOptions> = {},
  extraEnvironment: Record<string, string> = {},
) {
  const output: string[] = [];
  const errors: string[] = [];
  const configPath = join(directory, "config.yml");
  const manager = createManager({
    config,
    configPath,
    commandFor: (role, address) => {
      const command = nodeCommand(role, address, { configPath, program: FAKE_NODE });
      return { ...command, env: { ...command.env, ...extraEnvironment } };
    },
    print: (line) => output.push(line),
    printError: (line) => errors.push(line),
    readyTimeoutMs: 10_000,
    graceMs: 2000,
    ...overrides,
  });
  started.push(manager);
  return { manager, output, errors };
}

function listen(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve());
  });
}

function pidOf(manager: Manager, port: number): number {
  const pid = manager.list().find((node) => node.port === port)?.pid;
  if (pid === undefined) throw new Error(`no process on port ${port}`);
  return pid;
}

describe("createManager", { timeout: 30_000 }, () => {
  it("starts seeds then initial peers, and add, kill, revive, stop and shutdown manage real processes", async () => {
    const nodeLines: string[] = [];
    const { manager, output, errors } = harness(testConfig(2), {
      onNodeLine: (node, line) => nodeLines.push(`${node.role} ${node.address} said ${line}`),
    });
    await manager.start();
    expect(manager.list().map((node) => [node.role, node.port, node.state])).toEqual([
      ["seed", base, "running"],
      ["seed", base + 1, "running"],
      ["peer", base + 4, "running"],
      ["peer", base + 5, "running"],
    ]);
    for (const node of manager.list()) expect(isAlive(node.pid ?? -1)).toBe(true);

    // add skips a port that another program holds.
    await listen(base + 6);
    expect(await manager.execute("add")).toBe("continue");
    expect(manager.list().at(-1)).toMatchObject({ port: base + 7, state: "running" });
    expect(output).toContain(
      `started peer 127.0.0.1:${base + 7} (pid ${pidOf(manager, base + 7)})`,
    );

    // kill: SIGKILL, the process is gone, the node stays listed.
    const killedPid = pidOf(manager, base + 4);
    await manager.execute(`kill ${base + 4}`);
    expect(isAlive(killedPid)).toBe(false);
    expect(manager.list().find((node) => node.port === base + 4)?.state).toBe("killed");

    // add does not reuse the killed node's port: revive does.
    await manager.execute("add");
    expect(manager.list().at(-1)?.port).toBe(base + 8);
    await manager.execute(`revive ${base + 4}`);
    const revivedPid = pidOf(manager, base + 4);
    expect(revivedPid).not.toBe(killedPid);
    expect(isAlive(revivedPid)).toBe(true);
    expect(manager.list().find((node) => node.port === base + 4)?.state).toBe("running");

    // stop: SIGTERM, a graceful exit.
    const seedPid = pidOf(manager, base + 1);
    await manager.execute(`stop 127.0.0.1:${base + 1}`);
    expect(isAlive(seedPid)).toBe(false);
    // Its chatter reached onNodeLine, but the quiet manager did not print it.
    expect(nodeLines).toContain(
      `seed 127.0.0.1:${base + 1} said seed 127.0.0.1:${base + 1}: leaving`,
    );
    expect(output).not.toContain(`seed 127.0.0.1:${base + 1}: leaving`);
    expect(manager.list().find((node) => node.port === base + 1)?.state).toBe("stopped");

    await manager.execute("list");
    expect(output).toContainEqual(expect.stringMatching(/^role +address +pid +state$/));
    expect(output).toContainEqual(
      expect.stringMatching(new RegExp(`^seed +127\\.0\\.0\\.1:${base + 1} +${seedPid} +stopped$`)),
    );

    const pids = manager.list().map((node) => node.pid ?? -1);
    await manager.shutdown();
    for (const pid of pids) expect(isAlive(pid)).toBe(false);
    expect(manager.list().every((node) => node.state !== "running")).toBe(true);
    expect(errors).toEqual([]);
  });

  it("with peer hosts, runs peers two to a process: kill and stop end one peer alone", async () => {
    const hosts = createPeerHosts(2);
    const { manager, output, errors } = harness(testConfig(3), {
      startNode: (options) =>
        options.role === "peer" ? hosts.start(options) : startNodeProcess(options),
    });
    await manager.start();
    const peers = () => manager.list().filter((node) => node.role === "peer");
    expect(peers().map((node) => [node.port, node.state])).toEqual([
      [base + 4, "running"],
      [base + 5, "running"],
      [base + 6, "running"],
    ]);
    // The first two peers share a process, the third has one of its own.
    const [first, second, third] = peers().map((node) => node.pid ?? -1);
    expect(second).toBe(first);
    expect(third).not.toBe(first);

    // kill crashes that peer alone: its process and the peer beside it go on.
    await manager.execute(`kill ${base + 4}`);
    expect(output).toContain(`killed peer 127.0.0.1:${base + 4} (pid ${first})`);
    expect(manager.list().find((node) => node.port === base + 4)?.state).toBe("killed");
    expect(isAlive(first ?? -1)).toBe(true);
    expect(manager.list().find((node) => node.port === base + 5)?.state).toBe("running");

    // revive starts it again in a process with room: the one it was in.
    await manager.execute(`revive ${base + 4}`);
    expect(manager.list().find((node) => node.port === base + 4)).toMatchObject({
      state: "running",
      pid: first,
    });

    // stop makes the third peer leave; its process, now empty, exits.
    await manager.execute(`stop ${base + 6}`);
    expect(manager.list().find((node) => node.port === base + 6)?.state).toBe("stopped");
    await waitUntil(() => !isAlive(third ?? -1), "the emptied host to exit");

    await manager.shutdown();
    for (const node of manager.list()) expect(isAlive(node.pid ?? -1)).toBe(false);
    expect(errors).toEqual([]);
  });

  it("reports user mistakes as lines and keeps going", async () => {
    const { manager, errors, output } = harness(testConfig(1));
    await manager.start();
    const mistakes = [
      "bogus",
      "kill",
      `kill ${base + 9}`,
      "kill 1 2",
      "list everything",
      `revive ${base}`,
      "revive 127.0.0.2:1",
    ];
    for (const line of mistakes) expect(await manager.execute(line)).toBe("continue");
    expect(errors).toEqual([
      'unknown command "bogus"; type help',
      "usage: kill <port>",
      `no node on port ${base + 9}; type list to see the nodes`,
      "too many arguments for kill; type help",
      "too many arguments for list; type help",
      `seed 127.0.0.1:${base} is already running`,
      "no node 127.0.0.2:1; type list to see the nodes",
    ]);
    await manager.execute(`kill ${base + 4}`);
    await manager.execute(`kill ${base + 4}`);
    expect(errors.at(-1)).toBe(`peer 127.0.0.1:${base + 4} is not running (killed)`);
    expect(await manager.execute("   ")).toBe("continue");
    await manager.execute("help");
    expect(output).toContain(
      "  add             start a new peer on a free port from peer_port_range",
    );
    await manager.execute("members");
    expect(output).toContain("members: not available until the seed app is built");
    expect(await manager.execute("exit")).toBe("exit");
  });

  it("clears the seeds' data on a fresh start and keeps it on revive", async () => {
    const config = testConfig(0, 1);
    const seedDirectory = nodeDataDirectory(config.dataDir, "seed", `127.0.0.1:${base}`);
    await mkdir(seedDirectory, { recursive: true });
    await writeFile(join(seedDirectory, "stale"), "from an earlier run");
    const { manager } = harness(config);
    await manager.start();
    await expect(readFile(join(seedDirectory, "stale"), "utf8")).rejects.toThrow();

    await mkdir(seedDirectory, { recursive: true });
    await writeFile(join(seedDirectory, "acceptor"), "state");
    await manager.execute(`kill ${base}`);
    await manager.execute(`revive ${base}`);
    expect(await readFile(join(seedDirectory, "acceptor"), "utf8")).toBe("state");
  });

  it("keeps earlier data with keepData", async () => {
    const config = testConfig(0, 1);
    const seedDirectory = nodeDataDirectory(config.dataDir, "seed", `127.0.0.1:${base}`);
    await mkdir(seedDirectory, { recursive: true });
    await writeFile(join(seedDirectory, "acceptor"), "state");
    const { manager } = harness(config, { keepData: true });
    await manager.start();
    expect(await readFile(join(seedDirectory, "acceptor"), "utf8")).toBe("state");
  });

  it("refuses to start when a seed port is taken, starting nothing", async () => {
    await listen(base + 1);
    const { manager } = harness(testConfig(1));
    await expect(manager.start()).rejects.toMatchObject({
      code: "SEED_PORT_UNAVAILABLE",
      message: `seed 127.0.0.1:${base + 1}: port ${base + 1} is in use (is a network already running? stop it first)`,
    });
    expect(manager.list().filter((node) => node.pid !== undefined)).toEqual([]);
  });

  it("fails a node that never becomes ready and kills it", async () => {
    const config = testConfig(0, 2);
    const silent = `127.0.0.1:${base + 1}`;
    const { manager } = harness(
      config,
      { readyTimeoutMs: 1500 },
      { FAKE_NODE_NEVER_READY: silent },
    );
    await expect(manager.start()).rejects.toMatchObject({
      code: "NODE_NOT_READY",
      message: `seed ${silent} printed no ready line within 1500 ms`,
    });
    const node = manager.list().find((entry) => entry.address === silent);
    expect(node?.state).toBe("exited");
    expect(isAlive(node?.pid ?? -1)).toBe(false);
    expect(isAlive(pidOf(manager, base))).toBe(true);
  });

  it("keeps a peer that waits for its seeds past the ready timeout, and marks it running once it joins", async () => {
    const gate = join(directory, "seeds-back");
    const { manager, output } = harness(
      testConfig(0),
      // Long enough for a fake seed to start on a loaded machine (it failed once at 300 ms).
      { readyTimeoutMs: 1_500 },
      { FAKE_NODE_WAIT_FOR: gate },
    );
    await manager.start();
    await manager.execute("add");
    const peer = `127.0.0.1:${base + 4}`;
    const pid = pidOf(manager, base + 4);
    expect(output).toContain(
      `started peer ${peer} (pid ${pid}); waiting: no majority of seeds (it joins when the seeds can take it)`,
    );
    // Well past the ready timeout, the waiting peer is still up and listed as waiting.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(isAlive(pid)).toBe(true);
    expect(manager.list().find((node) => node.address === peer)?.state).toBe("waiting");
    await manager.execute("list");
    // Columns are padded to their widest cell: a 3-digit PID beside 4-digit ones gets spaces.
    const row = new RegExp(`^peer +${peer.replaceAll(".", "\\.")} +${pid} +waiting$`);
    expect(output.some((line) => row.test(line))).toBe(true);
    await writeFile(gate, "");
    await waitUntil(
      () => manager.list().find((node) => node.address === peer)?.state === "running",
      "the waiting peer to join",
    );
    expect(output).toContain(`peer ${peer} joined (pid ${pid})`);
  });

  it("shows only notable node output by default, and everything after verbose on", async () => {
    const { manager, output, errors } = harness(testConfig(1, 1), {}, { FAKE_NODE_CHATTER: "1" });
    await manager.start();
    const peer = `127.0.0.1:${base + 4}`;
    await waitUntil(
      () => output.some((line) => line.includes("Dead Node:127.0.0.1:9")),
      "the Dead Node line",
    );
    await waitUntil(
      () => errors.some((line) => line.includes(`[peer ${peer}] warning: something`)),
      "the warning",
    );
    expect(output.filter((line) => line.includes("received from"))).toEqual([]);
    expect(output.filter((line) => line.includes("neighbours:"))).toEqual([]);

    await manager.execute("verbose on");
    expect(output).toContain("verbose: every node's output is shown (verbose off to quiet it)");
    await manager.execute("add");
    await waitUntil(
      () => output.some((line) => line.includes(`[peer 127.0.0.1:${base + 5}] received from`)),
      "the new peer's chatter",
    );
    await manager.execute("verbose off");
    expect(output).toContain(
      "verbose: only joins, removals, Dead Node lines and problems are shown (verbose on for everything)",
    );
  });

  it("sends SIGKILL to a node that ignores SIGTERM after the grace period", async () => {
    const stubborn = `127.0.0.1:${base + 4}`;
    const { manager, errors } = harness(
      testConfig(1),
      { graceMs: 300 },
      { FAKE_NODE_STUBBORN: stubborn },
    );
    await manager.start();
    const pid = pidOf(manager, base + 4);
    await manager.execute(`stop ${base + 4}`);
    expect(isAlive(pid)).toBe(false);
    expect(errors).toContain(`peer ${stubborn} did not exit within 300 ms; sending SIGKILL`);
    expect(manager.list().find((node) => node.address === stubborn)?.state).toBe("stopped");
  });

  it("reports a node that dies on its own", async () => {
    const { manager, errors } = harness(testConfig(1));
    await manager.start();
    const pid = pidOf(manager, base + 4);
    process.kill(pid, "SIGKILL");
    await waitUntil(
      () => manager.list().find((node) => node.pid === pid)?.state === "exited",
      "the exit to be noticed",
    );
    expect(errors).toContain(`peer 127.0.0.1:${base + 4} was killed by SIGKILL`);
  });

  it("gives every child the config path and the exit-with-stdin switch", async () => {
    const marks = join(directory, "marks");
    await mkdir(marks);
    const { manager } = harness(testConfig(0, 1), {}, { FAKE_NODE_MARK_DIR: marks });
    await manager.start();
    const args = JSON.parse(await readFile(join(marks, `seed-127.0.0.1-${base}.args`), "utf8"));
    expect(args).toEqual(["--config", join(directory, "config.yml")]);
    expect(CHILD_ENVIRONMENT).toEqual({ P2P_EXIT_WITH_STDIN: "1" });
  });
});
