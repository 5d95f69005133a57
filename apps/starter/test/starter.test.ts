import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { configText, FAKE_NODE, freePortBlock, isAlive, killAll, waitUntil } from "./helpers.js";

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;

interface RunningStarter {
  readonly child: ChildProcessWithoutNullStreams;
  readonly stdout: string[];
  readonly stderr: string[];
  readonly exited: Promise<number | null>;
  /** Resolves with the first stdout line (already seen or future) matching `pattern`. */
  waitForLine(pattern: RegExp): Promise<string>;
}

let directory = "";
const starters: RunningStarter[] = [];
const childPids = new Set<number>();

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "p2p-starter-cli-"));
});

afterEach(async () => {
  for (const starter of starters.splice(0)) {
    if (starter.child.exitCode === null && starter.child.signalCode === null) {
      starter.child.kill("SIGKILL");
      await starter.exited;
    }
  }
  killAll([...childPids].filter(isAlive));
  childPids.clear();
  await rm(directory, { recursive: true, force: true });
});

function runStarter(args: readonly string[]): RunningStarter {
  const child = spawn(
    process.execPath,
    ["--import", TSX, "--conditions=@p2p/source", MAIN, ...args],
    {
      cwd: directory,
      env: { ...process.env, FAKE_NODE_MARK_DIR: directory },
      stdio: ["pipe", "pipe", "pipe"],
    },
  );
  const stdout: string[] = [];
  const stderr: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    stdout.push(line);
    const started = /^(?:started|revived) \w+ \S+ \(pid (\d+)\)/.exec(line);
    if (started) childPids.add(Number(started[1]));
    for (const waiter of [...waiters]) {
      if (waiter.pattern.test(line)) {
        waiters.splice(waiters.indexOf(waiter), 1);
        waiter.resolve(line);
      }
    }
  });
  createInterface({ input: child.stderr }).on("line", (line) => stderr.push(line));
  const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
  const starter: RunningStarter = {
    child,
    stdout,
    stderr,
    exited,
    waitForLine: (pattern) => {
      const seen = stdout.find((line) => pattern.test(line));
      if (seen !== undefined) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        waiters.push({ pattern, resolve });
        void exited.then(() =>
          reject(new Error(`starter exited before ${pattern}; stderr: ${stderr.join(" | ")}`)),
        );
      });
    },
  };
  starters.push(starter);
  return starter;
}

async function networkConfig(initialPeers = 2): Promise<{ path: string; base: number }> {
  const base = await freePortBlock(10);
  const path = join(directory, "network.yml");
  await writeFile(
    path,
    configText({
      seedPorts: [base, base + 1, base + 2],
      peerStart: base + 4,
      peerEnd: base + 9,
      initialPeers,
    }),
  );
  return { path, base };
}

function startNetwork(path: string, ...extra: string[]): RunningStarter {
  return runStarter([path, "--node-program", FAKE_NODE, "--grace", "2000", "--no-view", ...extra]);
}

/** Polls an async `condition` every 200 ms until it holds; throws after `timeoutMs`. */
async function waitUntilAsync(
  condition: () => Promise<boolean>,
  what: string,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition().catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

function pidsFromList(lines: readonly string[]): number[] {
  return lines.flatMap((line) => {
    const match = /^(?:seed|peer) +\S+ +(\d+) +running$/.exec(line);
    return match ? [Number(match[1])] : [];
  });
}

describe("starter CLI", { timeout: 30_000 }, () => {
  it("runs a scripted session from a pipe and leaves no child behind on exit", async () => {
    const { path, base } = await networkConfig();
    const starter = startNetwork(path);
    await starter.waitForLine(/^network up: 5 nodes/);
    starter.child.stdin.write(`add\nkill ${base + 4}\nrevive ${base + 4}\nlist\n`);
    await starter.waitForLine(new RegExp(`^peer +127\\.0\\.0\\.1:${base + 6} `));
    const pids = pidsFromList(starter.stdout);
    expect(pids).toHaveLength(6);
    for (const pid of pids) expect(isAlive(pid)).toBe(true);
    expect(starter.stdout).toContain(`started peer 127.0.0.1:${base + 6} (pid ${pids[5]})`);
    expect(starter.stdout).toContainEqual(
      expect.stringMatching(`^killed peer 127.0.0.1:${base + 4} `),
    );
    expect(starter.stdout).toContainEqual(
      expect.stringMatching(`^revived peer 127.0.0.1:${base + 4} `),
    );

    starter.child.stdin.write("exit\n");
    expect(await starter.exited).toBe(0);
    for (const pid of childPids) expect(isAlive(pid)).toBe(false);
    expect(starter.stdout.at(-1)).toBe("every node stopped");
    expect(starter.stderr).toEqual([]);
  });

  it("stops every child at the end of its input, and the next start works", async () => {
    const { path } = await networkConfig(1);
    for (let run = 0; run < 2; run += 1) {
      const starter = startNetwork(path);
      await starter.waitForLine(/^network up: 4 nodes/);
      starter.child.stdin.end();
      expect(await starter.exited).toBe(0);
      expect(childPids.size).toBe(4 * (run + 1));
      for (const pid of childPids) expect(isAlive(pid)).toBe(false);
    }
  });

  it("stops every child on SIGTERM, and hands each child the config and profile", async () => {
    const { path, base } = await networkConfig(1);
    const starter = startNetwork(path, "--profile", "fast");
    await starter.waitForLine(/^network up/);
    const args = JSON.parse(
      await readFile(join(directory, `peer-127.0.0.1-${base + 4}.args`), "utf8"),
    );
    expect(args).toEqual(["--config", path, "--profile", "fast"]);
    starter.child.kill("SIGTERM");
    expect(await starter.exited).toBe(0);
    expect(childPids.size).toBe(4);
    for (const pid of childPids) expect(isAlive(pid)).toBe(false);
  });

  it("takes its children down when it is SIGKILLed itself", async () => {
    const { path } = await networkConfig(1);
    const starter = startNetwork(path);
    await starter.waitForLine(/^network up/);
    expect(childPids.size).toBe(4);
    starter.child.kill("SIGKILL");
    await starter.exited;
    await waitUntil(() => [...childPids].every((pid) => !isAlive(pid)), "the children to exit");
  });

  it("exits 78 with one line per problem for a bad config", async () => {
    const base = await freePortBlock(3);
    const path = join(directory, "config.yml");
    await writeFile(
      path,
      configText({
        seedPorts: [base, 70_000],
        peerStart: base + 2,
        peerEnd: base + 1,
        initialPeers: 1,
      }),
    );
    const starter = runStarter(["--node-program", FAKE_NODE]);
    expect(await starter.exited).toBe(78);
    expect(starter.stderr).toEqual([
      "config.yml:5: seeds[1].port: expected an integer 1–65535, got 70000",
      `config.yml:6: peer_port_range: expected start ≤ end, got start ${base + 2} > end ${base + 1} (an empty range)`,
    ]);
    expect(childPids.size).toBe(0);
  });

  it("exits 78 for a missing config file", async () => {
    const starter = runStarter(["absent.yml"]);
    expect(await starter.exited).toBe(78);
    expect(starter.stderr).toEqual(["absent.yml: cannot read the config file: file not found"]);
  });

  it("exits 64 for bad arguments and 0 for --help", async () => {
    const mistakes = [
      ["--bogus"],
      ["one.yml", "two.yml"],
      ["--profile", "turbo"],
      ["--grace", "soon"],
    ];
    const runs = mistakes.map((args) => ({ args, starter: runStarter(args) }));
    for (const { args, starter } of runs) {
      expect(await starter.exited, args.join(" ")).toBe(64);
      expect(starter.stderr.join("\n")).toMatch(/error/);
    }
    const help = runStarter(["--help"]);
    expect(await help.exited).toBe(0);
    expect(help.stdout[0]).toBe("Usage: p2p-starter [options] [config]");
    expect(help.stdout).toContain("  kill <port>     crash a seed or peer (SIGKILL)");
  });

  it("exits 1 and starts nothing when a seed port is taken", async () => {
    const { path, base } = await networkConfig(1);
    const blocker = runStarter([path, "--node-program", FAKE_NODE]);
    await blocker.waitForLine(/^network up/);
    const second = startNetwork(path);
    expect(await second.exited).toBe(1);
    expect(second.stderr[0]).toBe(
      `starter: seed 127.0.0.1:${base}: port ${base} is in use (is a network already running? stop it first)`,
    );
    blocker.child.stdin.end();
    expect(await blocker.exited).toBe(0);
  });
});

describe("starter CLI with the real seed and peer apps", { timeout: 120_000 }, () => {
  it("keeps a peer added while two of three seeds are down, and it registers once one is revived", async () => {
    const { path, base } = await networkConfig(1);
    const starter = runStarter([path, "--profile", "fast", "--ready-timeout", "60000"]);
    await starter.waitForLine(/^network up: 4 nodes/);
    starter.child.stdin.write(`kill ${base + 1}\nkill ${base + 2}\nadd\n`);
    const waiting = await starter.waitForLine(/^started peer \S+ \(pid \d+\); waiting: /);
    const peer = /^started peer (\S+) /.exec(waiting)?.[1] ?? "";
    starter.child.stdin.write("list\n");
    await starter.waitForLine(new RegExp(`^peer +${peer.replace(/\./g, "\\.")} +\\d+ +waiting$`));

    starter.child.stdin.write(`revive ${base + 1}\n`);
    await starter.waitForLine(
      new RegExp(`^peer ${peer.replace(/\./g, "\\.")} joined \\(pid \\d+\\)$`),
    );
    starter.child.stdin.write("members\n");
    const row = await starter.waitForLine(
      new RegExp(`^  ${peer.replace(/\./g, "\\.")} +alive incarnation \\d+`),
    );
    expect(row).toContain(peer);
    // The web view the starter serves lists it too.
    const url = (await starter.waitForLine(/^web view: http:\/\/127\.0\.0\.1:\d+\/$/)).slice(10);
    await waitUntilAsync(async () => {
      const state = (await (await fetch(`${url}api/state`)).json()) as {
        members: { address: string; status: string }[];
      };
      return state.members.some((member) => member.address === peer && member.status === "alive");
    }, "the web view to list the new peer alive");
    starter.child.stdin.write("exit\n");
    expect(await starter.exited).toBe(0);
    for (const pid of childPids) expect(isAlive(pid)).toBe(false);
  });

  it("runs its peers three to a process with --peers-per-process, and kill crashes one alone", async () => {
    const { path, base } = await networkConfig(3);
    const starter = runStarter([path, "--profile", "fast", "--peers-per-process", "3"]);
    await starter.waitForLine(/^network up: 6 nodes/);
    starter.child.stdin.write("list\n");
    await starter.waitForLine(new RegExp(`^peer +127\\.0\\.0\\.1:${base + 6} `));
    const pids = pidsFromList(starter.stdout);
    expect(pids).toHaveLength(6);
    // Three seed processes and one process for the three peers.
    expect(new Set(pids).size).toBe(4);
    const host = pids[5] as number;

    starter.child.stdin.write(`kill ${base + 4}\n`);
    await starter.waitForLine(
      new RegExp(`^killed peer 127\\.0\\.0\\.1:${base + 4} \\(pid ${host}\\)`),
    );
    expect(isAlive(host)).toBe(true);
    // Nothing told the seeds: the network finds it dead and the seeds remove it.
    await starter.waitForLine(new RegExp(`removed 127\\.0\\.0\\.1:${base + 4} \\(dead`));
    starter.child.stdin.write("members\n");
    await starter.waitForLine(new RegExp(`^  127\\.0\\.0\\.1:${base + 4} +dead`));
    starter.child.stdin.write("exit\n");
    expect(await starter.exited).toBe(0);
    expect(isAlive(host)).toBe(false);
  });
});
