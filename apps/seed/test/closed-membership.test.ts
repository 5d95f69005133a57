// Closed membership through the CLIs: `peer key` prints a peer's key, config.yml lists it under
// allowed_keys, and the seeds (real processes, TCP on 127.0.0.1) register only listed keys.
import { appendFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts, killAll, startApp, waitFor, waitReady, writeTestConfig } from "./processes.js";

const directory = mkdtempSync(join(tmpdir(), "p2p-closed-"));
afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("closed membership (allowed_keys)", () => {
  it("a listed peer joins; an unlisted one is refused NOT_ADMITTED by the seeds and keeps retrying", async () => {
    const [seedPort, listedPort, strangerPort] = await freePorts(3);
    const configPath = writeTestConfig(directory, "127.0.0.1", [seedPort as number]);
    const listed = `127.0.0.1:${listedPort}`;
    const stranger = `127.0.0.1:${strangerPort}`;
    const printKey = startApp("peer", "main", ["key", listed, "--config", configPath]);
    expect(await printKey.exited).toBe(0);
    const key = printKey.lines
      .map((line) => /^ {2}- ([0-9a-f]{64})$/.exec(line)?.[1])
      .find(Boolean);
    expect(key).toBeDefined();
    appendFileSync(configPath, `allowed_keys:\n  - ${key}\n`);

    const seed = startApp("seed", "main", [`127.0.0.1:${seedPort}`, "--config", configPath]);
    await waitReady(seed);
    expect(seed.lines.join("\n") + seed.errors.join("\n")).toMatch(
      /closed membership \(1 allowed keys\)/,
    );
    const peer = startApp("peer", "main", [listed, "--config", configPath], listed);
    await waitReady(peer);
    const outsider = startApp("peer", "main", [stranger, "--config", configPath], stranger);
    await waitFor("the stranger's refusal", () =>
      outsider.lines.some((line) => /registration refused: .*NOT_ADMITTED/.test(line)),
    );
    expect(outsider.lines.some((line) => line.startsWith("ready "))).toBe(false);
    expect(outsider.child.exitCode).toBeNull(); // it waits and retries: the list may grow
  }, 60_000);
});
