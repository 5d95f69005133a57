// The seed, peer and members CLIs refuse bad arguments and bad config files with one clear line.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { killAll, startApp } from "./processes.js";

const directory = mkdtempSync(join(tmpdir(), "p2p-cli-"));
afterAll(async () => {
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

const good = [
  "seeds:",
  "  - ip: 127.0.0.1",
  "    port: 5000",
  "peer_port_range:",
  "  start: 6000",
  "  end: 7000",
  "initial_peers: 3",
];
const configs: Record<string, { lines: string[]; expected: RegExp }> = {
  "missing seeds": { lines: good.slice(3), expected: /\.yml(:\d+)?: seeds: / },
  "port out of range": {
    lines: good.map((line) => line.replace("port: 5000", "port: 70000")),
    expected: /\.yml:3: seeds\[0\]\.port: expected an integer 1–65535, got 70000/,
  },
  "empty peer range": {
    lines: good.map((line) => line.replace("end: 7000", "end: 5999")),
    expected: /\.yml:\d+: peer_port_range/,
  },
  "unknown key": { lines: [...good, "colour: blue"], expected: /\.yml:8: colour: / },
};

const run = async (app: string, entry: string, args: string[]) => {
  const child = startApp(app, entry, args);
  const code = await child.exited;
  return { code, stderr: child.errors.filter(Boolean) };
};

describe("CLI input errors", () => {
  for (const [name, { lines, expected }] of Object.entries(configs)) {
    it(`seed and peer exit 78 on a config with ${name}, naming the field in one line`, async () => {
      const path = join(directory, `${name.replaceAll(" ", "-")}.yml`);
      writeFileSync(path, `${lines.join("\n")}\n`);
      for (const app of ["seed", "peer"]) {
        const { code, stderr } = await run(app, "main", ["127.0.0.1:5000", "--config", path]);
        expect(code, `${app}: ${stderr.join("\n")}`).toBe(78);
        expect(stderr, `${app}: one line`).toHaveLength(1);
        expect(stderr[0]).toMatch(expected);
        expect(stderr.join("\n")).not.toMatch(/\n\s+at /);
      }
    }, 60_000);
  }

  it("exits 64 on a bad address and 0 on --help", async () => {
    const bad = await run("seed", "main", ["localhost", "--config", "x.yml"]);
    expect(bad.code).toBe(64);
    expect(bad.stderr.join("\n")).toMatch(/seed: .*port/);
    const help = await run("peer", "main", ["--help"]);
    expect(help.code).toBe(0);
  }, 60_000);

  it("a seed refuses an address that is not in config.yml", async () => {
    const path = join(directory, "good.yml");
    writeFileSync(path, `${good.join("\n")}\n`);
    const { code, stderr } = await run("seed", "main", ["127.0.0.1:5999", "--config", path]);
    expect(code).toBe(78);
    expect(stderr.join("\n")).toMatch(/127\.0\.0\.1:5999 is not one of the seeds/);
  }, 60_000);
});
