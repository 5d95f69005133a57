// The seed, peer and members CLIs refuse bad arguments and bad config files with one clear line.
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { freePorts, killAll, startApp } from "./processes.js";

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

  it("seed, peer and members print their version with --version and exit 0", async () => {
    const version = JSON.parse(readFileSync(join(import.meta.dirname, "../package.json"), "utf8"))
      .version as string;
    for (const [app, entry] of [
      ["seed", "main"],
      ["peer", "main"],
      ["seed", "members"],
    ] as const) {
      const child = startApp(app, entry, ["--version"]);
      expect(await child.exited, `${app} ${entry}`).toBe(0);
      expect(child.lines.join("\n")).toContain(version);
    }
  }, 60_000);

  it("members exits 69 (unavailable) with one line when no seed answers", async () => {
    const [port] = await freePorts(1);
    const path = join(directory, "nobody.yml");
    writeFileSync(path, `${good.join("\n").replace("port: 5000", `port: ${port}`)}\n`);
    const child = startApp("seed", "members", ["--config", path, "--timeout", "500"]);
    expect(await child.exited).toBe(69);
    expect(child.errors.filter(Boolean).join("\n")).toMatch(/no seed answered/);
  }, 60_000);

  it("a seed refuses an address that is not in config.yml", async () => {
    const path = join(directory, "good.yml");
    writeFileSync(path, `${good.join("\n")}\n`);
    const { code, stderr } = await run("seed", "main", ["127.0.0.1:5999", "--config", path]);
    expect(code).toBe(78);
    expect(stderr.join("\n")).toMatch(/127\.0\.0\.1:5999 is not one of the seeds/);
  }, 60_000);

  it("`seed key` makes an owner-only key once and prints the lines that pin it", async () => {
    const path = join(directory, "remote.yml");
    const remote = good.map((line) => line.replace("127.0.0.1", "10.0.0.1"));
    writeFileSync(path, `${remote.join("\n")}\n`);
    const print = async () => {
      const child = startApp("seed", "main", ["key", "10.0.0.1:5000", "--config", path]);
      expect(await child.exited).toBe(0);
      return child.lines.join("\n");
    };
    const first = await print();
    const key = /key: ([0-9a-f]{64}) \}/.exec(first)?.[1];
    expect(key).toBeDefined();
    expect(first).toContain(`10.0.0.1:5000 ${key}`);
    expect(await print()).toBe(first); // the same key the second time
    const secret = join(directory, ".data", "seed-10.0.0.1-5000", "secret-key");
    expect(statSync(secret).mode & 0o777).toBe(0o600);
    expect(first).not.toContain(readFileSync(secret, "utf8").trim()); // the secret is never printed
  }, 60_000);

  it("a remote seed without a pinned key, and a seed whose pinned key is not its own, exit 78", async () => {
    const path = join(directory, "unpinned.yml");
    const withRemote = [
      ...good.slice(0, 3),
      "  - ip: 10.0.0.2",
      "    port: 5000",
      ...good.slice(3),
    ];
    writeFileSync(path, `${withRemote.join("\n")}\n`);
    const unpinned = await run("seed", "main", ["127.0.0.1:5000", "--config", path]);
    expect(unpinned.code).toBe(78);
    expect(unpinned.stderr).toHaveLength(1);
    expect(unpinned.stderr[0]).toMatch(/no key for 10\.0\.0\.2:5000; .*seed key <ip:port>/);

    const wrong = join(directory, "wrong-key.yml");
    writeFileSync(
      wrong,
      `${good.join("\n").replace("    port: 5000", `    port: 5000\n    key: ${"ab".repeat(32)}`)}\n`,
    );
    const mismatch = await run("seed", "main", ["127.0.0.1:5000", "--config", wrong]);
    expect(mismatch.code).toBe(78);
    expect(mismatch.stderr.join("\n")).toMatch(/not this seed's identity key/);
  }, 60_000);
});
