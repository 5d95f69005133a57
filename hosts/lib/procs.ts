/**
 * Processes started inside namespaces (`ip netns exec`, which execs the program itself, so a
 * child's PID is the node's PID). Every process is tracked so the harness can kill it by PID.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync } from "node:fs";
import type { Host } from "./net.js";

/** A process the harness started in a host, with its recent output. */
export interface HostProcess {
  readonly label: string;
  readonly child: ChildProcess;
  readonly pid: number;
  /** The last lines of stdout and stderr (a bounded tail). */
  readonly tail: string[];
  isReady: boolean;
  /** Resolves with the exit code (null when killed by a signal). */
  readonly exited: Promise<number | null>;
}

const TAIL_LINES = 40;
/** iproute2, which starts each process inside its namespace. */
const IP_COMMAND = "ip";
const running = new Set<HostProcess>();

/**
 * Starts `args` (a program and its arguments) inside `host`, with `env` added to the
 * harness's environment. A line starting with `ready ` marks the process ready. With
 * `stderrPath`, everything the process writes to stderr is also appended there (kept with a
 * failed run's logs: an uncaught error's stack is written nowhere else).
 */
export function startIn(
  host: Host,
  label: string,
  args: readonly string[],
  env: Readonly<Record<string, string>> = {},
  stderrPath?: string,
): HostProcess {
  const child = spawn(IP_COMMAND, ["netns", "exec", host.namespace, ...args], {
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, P2P_EXIT_WITH_STDIN: "1", ...env },
  });
  if (child.pid === undefined) throw new Error(`could not start ${label}`);
  const tail: string[] = [];
  const exited = new Promise<number | null>((done) => child.on("exit", (code) => done(code)));
  const started: HostProcess = { label, child, pid: child.pid, tail, isReady: false, exited };
  const collect = () => {
    let partial = "";
    return (chunk: Buffer) => {
      const parts = (partial + chunk.toString("utf8")).split("\n");
      partial = parts.pop() ?? "";
      for (const line of parts) {
        if (line.startsWith("ready ")) started.isReady = true;
        tail.push(line);
        if (tail.length > TAIL_LINES) tail.shift();
      }
    };
  };
  child.stdout?.on("data", collect());
  child.stderr?.on("data", collect());
  if (stderrPath !== undefined) {
    child.stderr?.on("data", (chunk: Buffer) => {
      try {
        appendFileSync(stderrPath, chunk);
      } catch {
        // the directory is gone (the run is being cleaned up)
      }
    });
  }
  child.stdin?.on("error", () => {});
  running.add(started);
  void exited.then(() => running.delete(started));
  return started;
}

/** Sends `signal` (SIGKILL by default) to one process by PID and waits for it to exit. */
export async function stop(
  target: HostProcess,
  signal: NodeJS.Signals = "SIGKILL",
): Promise<number | null> {
  if (target.child.exitCode === null && target.child.signalCode === null) {
    try {
      process.kill(target.pid, signal);
    } catch {
      // already gone
    }
  }
  return target.exited;
}

/** Kills every process the harness started that still runs (by PID). */
export async function stopAll(): Promise<void> {
  await Promise.all([...running].map((target) => stop(target)));
}

/** Polls `check` every 250 ms until it is true; throws `what` after `timeoutMs`. */
export async function waitUntil(
  what: string,
  check: () => boolean | Promise<boolean>,
  timeoutMs: number,
): Promise<number> {
  const started = Date.now();
  for (;;) {
    if (await check()) return Date.now() - started;
    if (Date.now() - started > timeoutMs)
      throw new Error(`timed out after ${timeoutMs} ms: ${what}`);
    await sleep(250);
  }
}

/** Waits for the process's `ready` line; throws with its output if it exits first. */
export async function waitReady(target: HostProcess, timeoutMs: number): Promise<void> {
  await waitUntil(
    `${target.label} to be ready (${target.tail.slice(-3).join(" | ")})`,
    () => {
      if (target.child.exitCode !== null) {
        throw new Error(
          `${target.label} exited with ${target.child.exitCode}: ${target.tail.slice(-5).join(" | ")}`,
        );
      }
      return target.isReady;
    },
    timeoutMs,
  );
}

/** Resolves after `ms` milliseconds. */
export const sleep = (ms: number): Promise<void> =>
  new Promise((done) => setTimeout(done, Math.max(0, ms)));
