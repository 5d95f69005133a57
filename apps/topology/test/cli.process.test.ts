import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const appDir = join(dirname(fileURLToPath(import.meta.url)), "..");
const tsxCli = join(
  dirname(createRequire(import.meta.url).resolve("tsx/package.json")),
  "dist",
  "cli.mjs",
);
const seed = Number(process.env.P2P_SEED ?? 1);

describe("topology simulate (spawned process)", () => {
  it(`--nodes 10000 --k 2 fits α in [2.5, 3.2] with p ≥ 0.1 and is connected (seed ${seed}, replay with P2P_SEED)`, async () => {
    const out = mkdtempSync(join(tmpdir(), "topology-cli-"));
    const child = spawn(
      process.execPath,
      [
        tsxCli,
        "--conditions=@p2p/source",
        "src/bin.ts",
        "simulate",
        "--nodes",
        "10000",
        "--k",
        "2",
        "--seed",
        String(seed),
        "--bootstrap",
        "50",
        "--out",
        out,
      ],
      { cwd: appDir, stdio: ["ignore", "pipe", "pipe"] },
    );
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => {
      if (child.pid !== undefined) process.kill(child.pid, "SIGKILL");
    }, 25_000);
    const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
    clearTimeout(timer);
    expect(code, stderr).toBe(0);
    const match =
      /power law: α = (\d+\.\d+) ± \d+\.\d+, xmin = \d+, p = (\d+\.\d+) — consistent/.exec(stdout);
    expect(match, stdout).not.toBeNull();
    const alpha = Number(match?.[1]);
    expect(alpha).toBeGreaterThanOrEqual(2.5);
    expect(alpha).toBeLessThanOrEqual(3.2);
    expect(Number(match?.[2])).toBeGreaterThanOrEqual(0.1);
    expect(stdout).toMatch(/connected: yes/);
    const report = JSON.parse(readFileSync(join(out, "report.json"), "utf8"));
    expect(report.components).toBe(1);
    expect(readFileSync(join(out, "degree-ccdf.png")).subarray(1, 4).toString()).toBe("PNG");
  });
});
