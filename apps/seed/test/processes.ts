import { type ChildProcess, spawn } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { createServer } from "node:net";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { parseSeedList, type SeedListEntry } from "@p2p/cli-support";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
const tsx = pathToFileURL(createRequire(join(root, "package.json")).resolve("tsx")).href;

/** A seed, peer or members process started by a test, with its output so far. */
export interface NodeProcess {
  readonly child: ChildProcess;
  readonly address: string;
  readonly lines: string[];
  readonly errors: string[];
  /** Resolves with the exit code once the process has exited. */
  readonly exited: Promise<number | null>;
}

/** Every process started here, so the suite can kill them all by PID. */
const started = new Set<NodeProcess>();
/** Every process started, exited ones too (for the diagnosis when a wait times out). */
const everyProcess: NodeProcess[] = [];

/** Starts `apps/<app>/src/<entry>.ts` from source with the given arguments. */
export function startApp(
  app: string,
  entry: string,
  args: readonly string[],
  address = "",
): NodeProcess {
  const child = spawn(
    process.execPath,
    [
      "--import",
      tsx,
      "--conditions=@p2p/source",
      join(root, "apps", app, "src", `${entry}.ts`),
      ...args,
    ],
    { stdio: ["pipe", "pipe", "pipe"], env: { ...process.env, P2P_EXIT_WITH_STDIN: "1" } },
  );
  const lines: string[] = [];
  const errors: string[] = [];
  const collect = (into: string[]) => {
    let partial = "";
    return (chunk: Buffer) => {
      const text = partial + chunk.toString("utf8");
      const parts = text.split("\n");
      partial = parts.pop() ?? "";
      into.push(...parts);
    };
  };
  child.stdout?.on("data", collect(lines));
  child.stderr?.on("data", collect(errors));
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const node: NodeProcess = { child, address, lines, errors, exited };
  started.add(node);
  everyProcess.push(node);
  void exited.then(() => started.delete(node));
  return node;
}

/** Kills one process with `signal` (SIGKILL by default) and waits for it to exit. */
export async function kill(node: NodeProcess, signal: NodeJS.Signals = "SIGKILL"): Promise<void> {
  if (node.child.exitCode === null && node.child.pid !== undefined) {
    try {
      process.kill(node.child.pid, signal);
    } catch {
      // already gone
    }
  }
  await node.exited;
}

/** Kills every process this file started (by PID). */
export async function killAll(): Promise<void> {
  await Promise.all([...started].map((node) => kill(node)));
}

/** Polls `check` every 100 ms until it returns true; fails with `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs = 30_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (Date.now() > deadline) {
      // Say what every process that printed to stderr or exited early had to say.
      const trouble = everyProcess
        .filter((node) => node.errors.length > 0 || node.child.exitCode !== null)
        .map(
          (node) =>
            `${node.address || "process"} (exit ${node.child.exitCode ?? "none"}): ${node.errors.slice(-5).join(" | ")}`,
        );
      throw new Error(
        `timed out waiting for ${what}${trouble.length > 0 ? `; ${trouble.join("; ")}` : ""}`,
      );
    }
    await new Promise((done) => setTimeout(done, 100));
  }
}

/** Waits for the `ready <role> <address>` line (or fails if the process exits first). */
export async function waitReady(node: NodeProcess, timeoutMs = 30_000): Promise<void> {
  await waitFor(
    `${node.address} to be ready (output: ${node.lines.slice(-3).join(" | ")} ${node.errors.slice(-3).join(" | ")})`,
    () => {
      if (node.child.exitCode !== null) {
        throw new Error(
          `${node.address} exited with ${node.child.exitCode}: ${node.errors.join("\n")}`,
        );
      }
      return node.lines.some((line) => line.startsWith("ready "));
    },
    timeoutMs,
  );
}

/** `count` distinct free TCP ports on `host` (127.0.0.1 unless given, e.g. `::1`). */
export async function freePorts(count: number, host = "127.0.0.1"): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<import("node:net").Server>((done, fail) => {
          const server = createServer();
          server.once("error", fail);
          server.listen(0, host, () => done(server));
        }),
    ),
  );
  const ports = servers.map((server) => {
    const address = server.address();
    return typeof address === "object" && address !== null ? address.port : 0;
  });
  await Promise.all(servers.map((server) => new Promise((done) => server.close(done))));
  return ports;
}

/** `count` consecutive ports that are free on 127.0.0.1 now (tries random bases). */
export async function consecutiveFreePorts(count: number): Promise<number[]> {
  const isFree = (port: number) =>
    new Promise<boolean>((done) => {
      const server = createServer();
      server.once("error", () => done(false));
      server.listen(port, "127.0.0.1", () => server.close(() => done(true)));
    });
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 40_000 + Math.floor(Math.random() * 20_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    const free = await Promise.all(ports.map(isFree));
    if (free.every(Boolean)) return ports;
  }
  throw new Error(`no ${count} consecutive free ports found`);
}

/**
 * Writes the config.yml of a test network into `directory`: the seeds on `ip` at `seedPorts`,
 * the fast profile, no initial peers, data inside `directory`. Returns its path.
 */
export function writeTestConfig(
  directory: string,
  ip: string,
  seedPorts: readonly number[],
): string {
  const path = join(directory, "config.yml");
  writeFileSync(
    path,
    [
      "seeds:",
      ...seedPorts.flatMap((port) => [`  - ip: ${ip}`, `    port: ${port}`]),
      "peer_port_range:",
      "  start: 20000",
      "  end: 20100",
      `peer_ip: ${ip}`,
      "initial_peers: 0",
      "profile: fast",
      `data_dir: ${join(directory, "data")}`,
      "",
    ].join("\n"),
  );
  return path;
}

/** The seeds and their pinned keys, as the running seeds wrote them to config.txt in `directory`. */
export function readPinnedSeeds(directory: string): readonly SeedListEntry[] {
  const parsed = parseSeedList(readFileSync(join(directory, "config.txt"), "utf8"));
  if (!parsed.ok) throw parsed.error;
  return parsed.value;
}
