// The processes of a comparison run: spawned with their output read line by line (each line
// stamped with the time it arrived), tracked by PID, and every one of them killed by PID at the
// end, on a failure and on SIGINT or SIGTERM. Also free loopback ports and /proc readings.
import { type ChildProcess, execFileSync, spawn } from "node:child_process";
import { createSocket } from "node:dgram";
import { readdirSync, readFileSync } from "node:fs";
import { createServer } from "node:net";
import { createInterface } from "node:readline";

/** One spawned process: its PID, its output lines as they arrive, and its exit. */
export interface Child {
  readonly name: string;
  readonly pid: number;
  readonly process: ChildProcess;
  /** Calls `listener` with every later line of stdout or stderr and the time it arrived (ms). */
  onLine(listener: (line: string, atMs: number) => void): void;
  /** The first later line matching `pattern`; rejects on exit or after `timeoutMs`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** Its last lines of output (to explain a failure). */
  tail(): string;
  readonly hasExited: () => boolean;
}

const TAIL_LINES = 12;
const live = new Set<Child>();

/** Kills every process still running (SIGKILL, by PID). Synchronous: safe in an exit handler. */
export function killAll(): void {
  for (const child of live) killChild(child);
}

/** Kills `child` with SIGKILL by its PID; returns the wall time (ms) just before the signal. */
export function killChild(child: Child): number {
  const at = Date.now();
  live.delete(child);
  if (!child.hasExited()) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
  return at;
}

let handlersInstalled = false;
function installHandlers(): void {
  if (handlersInstalled) return;
  handlersInstalled = true;
  process.on("exit", killAll);
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.on(signal, () => {
      killAll();
      console.error(`\nbench:compare: ${signal}, every process killed`);
      process.exit(130);
    });
  }
}

/** Spawns `command` with `args` (no shell), reading its output by lines; tracked until killed. */
export function spawnChild(
  name: string,
  command: string,
  args: readonly string[],
  options: { readonly cwd?: string; readonly env?: NodeJS.ProcessEnv } = {},
): Child {
  installHandlers();
  const process_ = spawn(command, args, {
    cwd: options.cwd,
    env: options.env ?? process.env,
    stdio: ["ignore", "pipe", "pipe"],
  });
  if (process_.pid === undefined) throw new Error(`${name}: could not start ${command}`);
  const pid = process_.pid;
  const listeners = new Set<(line: string, atMs: number) => void>();
  const lastLines: string[] = [];
  let exitText: string | undefined;
  const exitWaiters = new Set<(text: string) => void>();
  for (const stream of [process_.stdout, process_.stderr]) {
    createInterface({ input: stream }).on("line", (line) => {
      const atMs = Date.now();
      lastLines.push(line);
      if (lastLines.length > TAIL_LINES) lastLines.shift();
      for (const listener of listeners) listener(line, atMs);
    });
  }
  process_.on("exit", (code, signal) => {
    exitText = `${name} (pid ${pid}) exited (${signal ?? `code ${code}`})`;
    for (const waiter of exitWaiters) waiter(exitText);
  });
  const child: Child = {
    name,
    pid,
    process: process_,
    onLine: (listener) => listeners.add(listener),
    hasExited: () => exitText !== undefined,
    tail: () => lastLines.map((line) => `    ${line}`).join("\n"),
    waitForLine(pattern, timeoutMs) {
      return new Promise((resolve, reject) => {
        const finish = (error?: Error, match?: RegExpMatchArray) => {
          clearTimeout(timer);
          listeners.delete(listener);
          exitWaiters.delete(onExit);
          if (error !== undefined) reject(error);
          else resolve(match as RegExpMatchArray);
        };
        const listener = (line: string) => {
          const match = line.match(pattern);
          if (match !== null) finish(undefined, match);
        };
        const onExit = (text: string) =>
          finish(new Error(`${text} before printing ${pattern}; last lines:\n${child.tail()}`));
        const timer = setTimeout(
          () =>
            finish(
              new Error(
                `${name}: no line ${pattern} within ${timeoutMs} ms; last lines:\n${child.tail()}`,
              ),
            ),
          timeoutMs,
        );
        listeners.add(listener);
        if (exitText !== undefined) onExit(exitText);
        else exitWaiters.add(onExit);
      });
    },
  };
  live.add(child);
  return child;
}

/** Runs `command` to its end; resolves with its stdout, rejects with its stderr on failure. */
export function runToEnd(command: string, args: readonly string[], timeoutMs = 30_000) {
  return new Promise<string>((resolve, reject) => {
    const child = spawn(command, args, { stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => {
      out += chunk;
    });
    child.stderr.on("data", (chunk) => {
      err += chunk;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      if (code === 0) resolve(out);
      else reject(new Error(`${command} ${args.join(" ")}: ${signal ?? `exit ${code}`}: ${err}`));
    });
  });
}

/** Resolves once `isDone()` holds (checked every `pollMs`); rejects with `what` after `timeoutMs`. */
export async function waitUntil(
  isDone: () => boolean,
  timeoutMs: number,
  what: string,
  pollMs = 20,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!isDone()) {
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs / 1000} s`);
    await sleep(pollMs);
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((resolve) => setTimeout(resolve, ms));

const handedOut = new Set<number>();

/** True when `port` on 127.0.0.1 can be bound now (TCP, or UDP with `isUdp`). */
export const canBind = (port: number, isUdp = false): Promise<boolean> =>
  new Promise((resolve) => {
    if (isUdp) {
      const socket = createSocket("udp4");
      socket.once("error", () => resolve(false));
      socket.bind(port, "127.0.0.1", () => socket.close(() => resolve(true)));
    } else {
      const server = createServer();
      server.once("error", () => resolve(false));
      server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
    }
  });

/**
 * `count` ports free on 127.0.0.1 (TCP, and UDP too with `isUdp`), below the ephemeral range
 * so no outgoing connection takes one before its process binds it; never the same port twice.
 */
export async function freePorts(count: number, isUdp = false): Promise<number[]> {
  const ports: number[] = [];
  let port = 20_000 + Math.floor(Math.random() * 10_000);
  while (ports.length < count) {
    port = port >= 32_000 ? 20_000 : port + 1;
    if (handedOut.has(port)) continue;
    handedOut.add(port); // before the checks: concurrent callers never get the same port
    if (!(await canBind(port, false)) || (isUdp && !(await canBind(port, true)))) continue;
    ports.push(port);
  }
  return ports;
}

/** Resident set size of process `pid` in bytes (VmRSS of /proc/<pid>/status). */
export function rssBytes(pid: number): number {
  const match = readFileSync(`/proc/${pid}/status`, "utf8").match(/^VmRSS:\s+(\d+) kB/m);
  if (match === null) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(match[1]) * 1024;
}

/** Memory of process `pid` in bytes: its RSS split into anonymous and file pages, and its PSS. */
export interface ProcessMemory {
  readonly rss: number;
  /** Private pages: heaps, stacks. */
  readonly anon: number;
  /** Pages of mapped files (the executable, libraries): shared by every process that maps them. */
  readonly file: number;
  /** Proportional set size: each shared page divided among the processes that map it. */
  readonly pss: number;
}

/** RSS (RssAnon, RssFile of /proc/<pid>/status) and PSS (/proc/<pid>/smaps_rollup) of `pid`. */
export function memoryOf(pid: number): ProcessMemory {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
  const kB = (text: string, field: string) => {
    const match = text.match(new RegExp(`^${field}:\\s+(\\d+) kB`, "m"));
    if (match === null) throw new Error(`no ${field} for pid ${pid}`);
    return Number(match[1]) * 1024;
  };
  return {
    rss: kB(status, "VmRSS"),
    anon: kB(status, "RssAnon"),
    file: kB(status, "RssFile"),
    pss: kB(rollup, "Pss"),
  };
}

let ticksPerSecond: number | undefined;

/** CPU time (user + system) process `pid` has used so far, in seconds (/proc/<pid>/stat). */
export function cpuSeconds(pid: number): number {
  ticksPerSecond ??= Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  // Fields after "(comm)": state is field 3, utime 14 and stime 15.
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
}

/**
 * CPU time (ns) that processes `pids` have used so far, every thread counted: the first field of
 * /proc/<pid>/task/<tid>/schedstat, in nanoseconds (utime and stime count 10 ms ticks, too coarse
 * for a few hundred operations of a millisecond). A thread or process that is gone counts 0.
 */
export function cpuNanoseconds(pids: readonly number[]): number {
  let total = 0;
  for (const pid of pids) {
    let tasks: string[];
    try {
      tasks = readdirSync(`/proc/${pid}/task`);
    } catch {
      continue;
    }
    for (const task of tasks) {
      try {
        total += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, "utf8").split(" ")[0]);
      } catch {
        // the thread ended between the listing and the read
      }
    }
  }
  return total;
}
