import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { formatReadyLine, formatWaitingLine } from "@p2p/cli-support";
import type { NodeCommand, NodeRole } from "./node-command.js";

/** How a child process ended. */
export interface NodeExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  /** Set when the process could not be started at all. */
  readonly error?: Error;
}

/** A running seed or peer child process. */
export interface NodeProcess {
  readonly role: NodeRole;
  readonly address: string;
  /** Undefined only when the process could not be started. */
  readonly pid: number | undefined;
  /** Resolves when the child printed `ready <role> <address>`; rejects if it exits first. */
  readonly ready: Promise<void>;
  /**
   * Resolves with the reason when the child, not ready yet, printed `waiting <role> <address>:
   * <reason>` (see `formatWaitingLine`); never settles otherwise.
   */
  readonly waiting: Promise<string>;
  /** Resolves when the child has exited (never rejects). */
  readonly exited: Promise<NodeExit>;
  /** True once the child has exited. */
  hasExited(): boolean;
  /** Sends a signal (ignored once the child has exited). */
  signal(signal: NodeJS.Signals): void;
  /** Closes the child's stdin, which tells it to exit. */
  closeInput(): void;
  /** Writes one line to the child's stdin (a `peer --control` command); ignored once closed. */
  writeLine(line: string): void;
}

/** Options of {@link startNodeProcess}. */
export interface StartNodeProcessOptions {
  readonly role: NodeRole;
  readonly address: string;
  readonly command: NodeCommand;
  /** Receives each stdout line except the ready and waiting lines. */
  readonly onOutputLine: (line: string) => void;
  /** Receives each stderr line. */
  readonly onErrorLine: (line: string) => void;
  /** Working directory of the child (default: the starter's). */
  readonly cwd?: string;
}

/**
 * Spawns a node with a stdin pipe (so it dies with the starter), forwards its output line
 * by line, and watches for its `ready <role> <address>` line.
 */
export function startNodeProcess(options: StartNodeProcessOptions): NodeProcess {
  const readyLine = formatReadyLine(options.role, options.address);
  const child = spawn(options.command.command, [...options.command.args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.command.env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  let exit: NodeExit | undefined;
  let isReady = false;
  let resolveReady: () => void = () => {};
  let rejectReady: (error: Error) => void = () => {};
  const ready = new Promise<void>((resolve, reject) => {
    resolveReady = resolve;
    rejectReady = reject;
  });
  // A caller that never awaits `ready` must not crash the process with an unhandled rejection.
  ready.catch(() => {});
  const waitingPrefix = formatWaitingLine(options.role, options.address, "");
  let resolveWaiting: (reason: string) => void = () => {};
  const waiting = new Promise<string>((resolve) => {
    resolveWaiting = resolve;
  });

  const exited = new Promise<NodeExit>((resolve) => {
    const finish = (result: NodeExit): void => {
      if (exit !== undefined) return;
      exit = result;
      if (!isReady) rejectReady(new Error(`${describeExit(result)} before it was ready`));
      resolve(result);
    };
    child.once("error", (error) => {
      if (child.pid === undefined) finish({ code: null, signal: null, error });
    });
    child.once("exit", (code, signal) => finish({ code, signal }));
  });

  child.stdin.on("error", () => {});
  createInterface({ input: child.stdout }).on("line", (line) => {
    if (!isReady && line.trim() === readyLine) {
      isReady = true;
      resolveReady();
      return;
    }
    if (!isReady && line.startsWith(waitingPrefix)) {
      resolveWaiting(line.slice(waitingPrefix.length).trim());
      return;
    }
    options.onOutputLine(line);
  });
  createInterface({ input: child.stderr }).on("line", options.onErrorLine);

  return {
    role: options.role,
    address: options.address,
    pid: child.pid,
    ready,
    waiting,
    exited,
    hasExited: () => exit !== undefined,
    signal: (signal) => {
      if (exit !== undefined || child.exitCode !== null || child.signalCode !== null) return;
      child.kill(signal);
    },
    closeInput: () => {
      child.stdin.end();
    },
    writeLine: (line) => {
      if (!child.stdin.writableEnded) child.stdin.write(`${line}\n`);
    },
  };
}

/** `exited with code 1`, `was killed by SIGKILL`, `could not start: …`. */
export function describeExit(exit: NodeExit): string {
  if (exit.error !== undefined) return `could not start: ${exit.error.message}`;
  if (exit.signal !== null) return `was killed by ${exit.signal}`;
  return `exited with code ${exit.code}`;
}
