import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { createLmdbStorage } from "../src/storage/lmdb-storage.js";

interface State {
  promised: { counter: number; proposer: string };
  accepted: {
    ballot: { counter: number; proposer: string };
    value: unknown;
    operations: string[];
  } | null;
}

const children: ChildProcess[] = [];
const directories: string[] = [];

const freshDirectory = (): string => {
  const directory = mkdtempSync(join(tmpdir(), "p2p-lmdb-"));
  directories.push(directory);
  return directory;
};

afterEach(() => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(child.pid, "SIGKILL");
    }
  }
  for (const directory of directories.splice(0))
    rmSync(directory, { recursive: true, force: true });
});

describe("createLmdbStorage", () => {
  it("saves and reloads acceptor states across reopen", async () => {
    const directory = freshDirectory();
    const first = createLmdbStorage<State>(directory);
    const state: State = {
      promised: { counter: 3, proposer: "10.0.0.1:5000" },
      accepted: {
        ballot: { counter: 2, proposer: "10.0.0.2:5000" },
        value: null,
        operations: ["a"],
      },
    };
    await first.save("10.9.0.1:7000", state);
    await first.save("~proposer", { promised: { counter: 1000, proposer: "x" }, accepted: null });
    await first.close();
    const second = createLmdbStorage<State>(directory);
    const loaded = second.loadAll();
    expect(loaded.get("10.9.0.1:7000")).toEqual(state);
    expect(loaded.size).toBe(2);
    await second.close();
  });

  it("writes a lazy save with the next save, in order: a later write of the same key wins", async () => {
    const directory = freshDirectory();
    const storage = createLmdbStorage<State>(directory);
    const state = (counter: number): State => ({
      promised: { counter, proposer: "10.0.0.1:5000" },
      accepted: null,
    });
    let isLazyDurable = false;
    const lazy = storage.saveLazy("a", state(1)).then(() => {
      isLazyDurable = true;
    });
    storage.saveLazy("b", state(1));
    storage.saveLazy("b", state(2)); // the latest state of a key is the one written
    await storage.save("b", state(3)); // a save releases what was held, before its own write
    await lazy;
    expect(isLazyDurable).toBe(true);
    storage.saveLazy("c", state(4)); // held alone: written within LAZY_FLUSH_MS
    await storage.close(); // close writes what is still held
    const reopened = createLmdbStorage<State>(directory);
    const loaded = reopened.loadAll();
    expect([...loaded].map(([key, value]) => [key, value.promised.counter])).toEqual([
      ["a", 1],
      ["b", 3],
      ["c", 4],
    ]);
    await reopened.close();
  });

  it("writes a lazy save held alone within a short delay", async () => {
    const directory = freshDirectory();
    const storage = createLmdbStorage<State>(directory);
    await storage.saveLazy("a", { promised: { counter: 7, proposer: "x" }, accepted: null });
    expect(storage.loadAll().get("a")?.promised.counter).toBe(7);
    await storage.close();
  });

  it("keeps every acknowledged write when the writer process is killed with SIGKILL", async () => {
    const directory = freshDirectory();
    const writer = fileURLToPath(new URL("./fixtures/storage-writer.ts", import.meta.url));
    const child = spawn(process.execPath, ["--import", "tsx", writer, directory], {
      stdio: ["ignore", "pipe", "pipe"],
    });
    children.push(child);
    const acknowledged = new Map<string, number>();
    let stderr = "";
    child.stderr?.on("data", (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    await new Promise<void>((resolve, reject) => {
      let buffered = "";
      let count = 0;
      child.on("exit", (code) => reject(new Error(`writer exited early (${code}): ${stderr}`)));
      child.stdout?.on("data", (chunk: Buffer) => {
        buffered += chunk.toString();
        const lines = buffered.split("\n");
        buffered = lines.pop() ?? "";
        for (const line of lines) {
          const [key, counter] = line.split(" ");
          if (key === undefined || counter === undefined) continue;
          acknowledged.set(key, Number(counter));
          count += 1;
        }
        if (count >= 300 && child.pid !== undefined) {
          child.removeAllListeners("exit");
          process.kill(child.pid, "SIGKILL"); // mid-run: more writes are in flight
          child.on("exit", () => resolve());
        }
      });
    });
    expect(child.signalCode).toBe("SIGKILL");
    const reopened = createLmdbStorage<State>(directory);
    const loaded = reopened.loadAll();
    expect(acknowledged.size).toBeGreaterThan(0);
    for (const [key, counter] of acknowledged) {
      // the stored state is the acknowledged one or a later one, never older
      expect(loaded.get(key)?.promised.counter ?? 0).toBeGreaterThanOrEqual(counter);
    }
    await reopened.close();
  });
});
