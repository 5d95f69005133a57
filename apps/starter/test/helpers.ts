import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { checkPort } from "../src/ports.js";

/** The fake seed/peer script the tests start instead of the real apps. */
export const FAKE_NODE = fileURLToPath(new URL("./fixtures/fake-node.mjs", import.meta.url));

/**
 * A block of `count` consecutive free ports on 127.0.0.1, away from 5000–7000 (where a real
 * network may run). The base is chosen at random.
 */
export async function freePortBlock(count: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 40_000);
    let allFree = true;
    for (let port = base; port < base + count; port += 1) {
      if ((await checkPort("127.0.0.1", port)) !== "free") {
        allFree = false;
        break;
      }
    }
    if (allFree) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}

/** True while the process exists and is not a zombie waiting to be reaped. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const state = stat.slice(stat.lastIndexOf(")") + 2, stat.lastIndexOf(")") + 3);
    return state !== "Z" && state !== "X";
  } catch {
    return false;
  }
}

/** Polls `condition` every 20 ms until it holds; throws after `timeoutMs`. */
export async function waitUntil(
  condition: () => boolean,
  what: string,
  timeoutMs = 10_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Kills each PID that is still alive (cleanup after a failed test). */
export function killAll(pids: Iterable<number>): void {
  for (const pid of pids) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** A config.yml text for `seedPorts` and a peer range starting at `peerStart`. */
export function configText(options: {
  readonly seedPorts: readonly number[];
  readonly peerStart: number;
  readonly peerEnd: number;
  readonly initialPeers: number;
  readonly dataDir?: string;
}): string {
  const seeds = options.seedPorts.map((port) => `  - ip: 127.0.0.1\n    port: ${port}\n`).join("");
  return (
    `seeds:\n${seeds}peer_port_range:\n  start: ${options.peerStart}\n  end: ${options.peerEnd}\n` +
    `initial_peers: ${options.initialPeers}\n` +
    (options.dataDir === undefined ? "" : `data_dir: ${JSON.stringify(options.dataDir)}\n`)
  );
}
