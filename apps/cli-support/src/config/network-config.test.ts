import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { timingProfiles } from "@p2p/node";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { loadConfig, parseConfig } from "./network-config.js";

const VALID = `# a network
seeds:
  - ip: 127.0.0.1
    port: 5000
  - ip: 127.0.0.1
    port: 5001
  - ip: 127.0.0.1
    port: 5002
peer_port_range:
  start: 6000
  end: 7000
initial_peers: 3
`;

function problemLines(text: string): readonly string[] {
  const result = parseConfig(text, { fileName: "config.yml" });
  if (result.ok) throw new Error("expected the config to be rejected");
  return result.error.lines;
}

describe("parseConfig", () => {
  it("accepts the seed document's network and applies defaults", () => {
    const result = parseConfig(VALID, { baseDirectory: "/srv/p2p" });
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.seeds).toEqual(["127.0.0.1:5000", "127.0.0.1:5001", "127.0.0.1:5002"]);
    expect(result.value.peerPortRange).toEqual({ start: 6000, end: 7000 });
    expect(result.value.initialPeers).toBe(3);
    expect(result.value.peerIp).toBe("127.0.0.1");
    expect(result.value.timing).toEqual(timingProfiles.default);
    expect(result.value.dataDir).toBe(resolve("/srv/p2p", ".data"));
    expect(Object.isFrozen(result.value)).toBe(true);
  });

  it("selects the fast profile and applies timing overrides on top", () => {
    const text = `${VALID}profile: fast\ntiming:\n  ping_misses: 5\n  gossip_message_count: 4\ndata_dir: /var/p2p\n`;
    const result = parseConfig(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.timing).toEqual({
      ...timingProfiles.fast,
      pingMisses: 5,
      gossipMessageCount: 4,
    });
    expect(result.value.dataDir).toBe("/var/p2p");
  });

  it("names file, line, field and the expectation for a port out of range", () => {
    const text = VALID.replace("port: 5001", "port: 70000");
    expect(problemLines(text)).toEqual([
      "config.yml:6: seeds[1].port: expected an integer 1–65535, got 70000",
    ]);
  });

  it("reports missing seeds", () => {
    const text = "peer_port_range:\n  start: 6000\n  end: 7000\n";
    const lines = problemLines(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\.yml:1: seeds: missing; expected a list of seeds/);
  });

  it("reports an empty seed list", () => {
    const text = "seeds: []\npeer_port_range:\n  start: 6000\n  end: 7000\n";
    expect(problemLines(text)).toEqual([
      "config.yml:1: seeds: expected at least one seed, got an empty list",
    ]);
  });

  it("reports an inverted peer range as empty", () => {
    const text = VALID.replace("start: 6000", "start: 7000").replace("end: 7000", "end: 6000");
    expect(problemLines(text)).toEqual([
      "config.yml:9: peer_port_range: expected start ≤ end, got start 7000 > end 6000 (an empty range)",
    ]);
  });

  it("reports an empty peer range mapping", () => {
    const text = VALID.replace("  start: 6000\n  end: 7000\n", "").replace(
      "peer_port_range:",
      "peer_port_range: {}",
    );
    const lines = problemLines(text);
    expect(lines).toContain(
      "config.yml:9: peer_port_range.start: missing; expected an integer 1–65535",
    );
    expect(lines).toContain(
      "config.yml:9: peer_port_range.end: missing; expected an integer 1–65535",
    );
  });

  it("rejects unknown keys at their own line, listing the allowed keys", () => {
    const text = `${VALID}peer_range: 5\n`;
    const lines = problemLines(text);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^config\.yml:13: peer_range: unknown key; expected one of seeds, /);
  });

  it("rejects unknown keys inside a seed", () => {
    const text = VALID.replace("    port: 5002", "    port: 5002\n    weight: 2");
    expect(problemLines(text)).toEqual([
      "config.yml:9: seeds[2].weight: unknown key; expected one of ip, port, key",
    ]);
  });

  it("pins a seed's identity key, and names a key that is not 64 hex digits", () => {
    const key = "0f".repeat(32);
    const pinned = parseConfig(VALID.replace("    port: 5001", `    port: 5001\n    key: ${key}`));
    expect(pinned.ok && pinned.value.seedKeys).toEqual({ "127.0.0.1:5001": key });
    expect(problemLines(VALID.replace("    port: 5001", "    port: 5001\n    key: 0F0F"))).toEqual([
      'config.yml:7: seeds[1].key: expected the seed\'s identity key: 64 lower-case hex digits (run `seed key <ip:port>`), got "0F0F"',
    ]);
  });

  it("closed membership: allowed_keys lists the keys that may register; a bad key is named", () => {
    const open = parseConfig(VALID);
    expect(open.ok && open.value.allowedKeys).toBeUndefined();
    const [a, b] = ["0a".repeat(32), "0b".repeat(32)];
    const closed = parseConfig(`${VALID}allowed_keys:\n  - ${b}\n  - ${a}\n  - ${b}\n`);
    expect(closed.ok && closed.value.allowedKeys).toEqual([a, b]);
    expect(problemLines(`${VALID}allowed_keys:\n  - ${a}\n  - xyz\n`)).toEqual([
      'config.yml:15: allowed_keys[1]: expected a peer\'s identity key: 64 lower-case hex digits (run `peer key <ip:port>`), got "xyz"',
    ]);
  });

  it("overlay_exponent sets the degree exponent the overlay aims at; a bad one is named", () => {
    const set = parseConfig(`${VALID}overlay_exponent: 2.6\n`);
    expect(set.ok && set.value.overlayExponent).toBe(2.6);
    const unset = parseConfig(VALID);
    expect(unset.ok && unset.value.overlayExponent).toBeUndefined();
    expect(problemLines(`${VALID}overlay_exponent: 2\n`)).toEqual([
      "config.yml:13: overlay_exponent: expected a number > 2 (the degree exponent, e.g. 2.8), got 2",
    ]);
  });

  it("gossip_forwarding chooses flood or plumtree; anything else is named", () => {
    const set = parseConfig(`${VALID}gossip_forwarding: plumtree\n`);
    expect(set.ok && set.value.gossipForwarding).toBe("plumtree");
    expect(problemLines(`${VALID}gossip_forwarding: gossipy\n`)).toEqual([
      'config.yml:13: gossip_forwarding: expected "flood" or "plumtree", got "gossipy"',
    ]);
  });

  it("rejects a duplicate seed", () => {
    const text = VALID.replace("port: 5002", "port: 5000");
    expect(problemLines(text)).toEqual([
      "config.yml:7: seeds[2]: duplicate seed 127.0.0.1:5000 (same as seeds[0])",
    ]);
  });

  it("rejects a bad IP address and an unknown profile", () => {
    const text = `${VALID.replace("ip: 127.0.0.1", "ip: 300.1.1.1")}profile: turbo\n`;
    expect(problemLines(text)).toEqual([
      'config.yml:3: seeds[0].ip: expected an IP address like 127.0.0.1 or ::1, got "300.1.1.1"',
      'config.yml:13: profile: expected "default" or "fast", got "turbo"',
    ]);
  });

  it("accepts IPv6 seeds and peer_ip, written as addresses in brackets", () => {
    const text = [
      "seeds:",
      "  - ip: ::1",
      "    port: 5000",
      '  - ip: "FE80::1"',
      "    port: 5001",
      "  - ip: 127.0.0.1",
      "    port: 5002",
      "peer_port_range:",
      "  start: 6000",
      "  end: 7000",
      "peer_ip: ::1",
      "",
    ].join("\n");
    const result = parseConfig(text);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.seeds).toEqual(["[::1]:5000", "[fe80::1]:5001", "127.0.0.1:5002"]);
    expect(result.value.peerIp).toBe("::1");
    expect(problemLines(text.replace("ip: ::1", "ip: '[::1]'"))).toEqual([
      'config.yml:2: seeds[0].ip: expected an IP address like 127.0.0.1 or ::1, got "[::1]"',
    ]);
  });

  it("reports every problem of a seed, not only the first", () => {
    const text = VALID.replace("ip: 127.0.0.1\n    port: 5000", "ip: localhost\n    port: 0");
    expect(problemLines(text)).toEqual([
      'config.yml:3: seeds[0].ip: expected an IP address like 127.0.0.1 or ::1, got "localhost"',
      "config.yml:4: seeds[0].port: expected an integer 1–65535, got 0",
    ]);
  });

  it("rejects more initial peers than the range holds", () => {
    const text = VALID.replace("end: 7000", "end: 6001");
    expect(problemLines(text)).toEqual([
      "config.yml:12: initial_peers: expected at most 2 (the size of peer_port_range), got 3",
    ]);
  });

  it("reports non-YAML garbage with a line and no stack trace", () => {
    const lines = problemLines("seeds: [\n  {{{ ::: ][\n");
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines) {
      expect(line).toMatch(/^config\.yml:\d+: not valid YAML: /);
      expect(line).not.toContain("\n");
    }
  });

  it("rejects a document that is not a mapping", () => {
    expect(problemLines("just some words\n")).toEqual([
      'config.yml:1: expected a mapping with keys seeds, peer_port_range, initial_peers, peer_ip, profile, timing, data_dir, allowed_keys, overlay_exponent, gossip_forwarding, got "just some words"',
    ]);
  });

  it("rejects duplicate keys as invalid YAML", () => {
    const lines = problemLines(`${VALID}initial_peers: 4\n`);
    expect(lines[0]).toMatch(/^config\.yml:13: not valid YAML: /);
  });
});

describe("parseConfig properties", () => {
  const port = fc.integer({ min: 1, max: 65535 });
  const rawConfig = fc
    .record({
      seeds: fc.uniqueArray(fc.record({ ip: fc.ipV4(), port }), {
        minLength: 1,
        maxLength: 7,
        selector: (seed) => `${seed.ip}:${seed.port}`,
      }),
      range: fc.tuple(port, port).map(([left, right]) => ({
        start: Math.min(left, right),
        end: Math.max(left, right),
      })),
      profile: fc.constantFrom("default", "fast"),
      pingMisses: fc.option(fc.integer({ min: 1, max: 10 }), { nil: undefined }),
    })
    .chain((raw) =>
      fc
        .integer({ min: 0, max: Math.min(50, raw.range.end - raw.range.start + 1) })
        .map((initialPeers) => ({ ...raw, initialPeers })),
    );

  it("accepts every valid config and keeps its values", () => {
    fc.assert(
      fc.property(rawConfig, (raw) => {
        const text = stringify({
          seeds: raw.seeds,
          peer_port_range: raw.range,
          initial_peers: raw.initialPeers,
          profile: raw.profile,
          ...(raw.pingMisses === undefined ? {} : { timing: { ping_misses: raw.pingMisses } }),
        });
        const result = parseConfig(text);
        expect(result.ok).toBe(true);
        if (!result.ok) return;
        expect(result.value.seeds).toEqual(raw.seeds.map((seed) => `${seed.ip}:${seed.port}`));
        expect(result.value.peerPortRange).toEqual(raw.range);
        expect(result.value.initialPeers).toBe(raw.initialPeers);
        expect(result.value.timing.name).toBe(raw.profile);
        expect(result.value.timing.pingMisses).toBe(raw.pingMisses ?? 3);
      }),
      { numRuns: 200 },
    );
  });

  it("names the exact seed, line and value of any port out of range", () => {
    const badPort = fc.oneof(fc.integer({ min: 65536, max: 10_000_000 }), fc.integer({ max: 0 }));
    fc.assert(
      fc.property(rawConfig, badPort, fc.nat(), (raw, bad, pick) => {
        const index = pick % raw.seeds.length;
        const seeds = raw.seeds.map((seed, at) => (at === index ? { ...seed, port: bad } : seed));
        const text = stringify({ seeds, peer_port_range: raw.range });
        // "seeds:", then two lines per seed ("  - ip: …", "    port: …").
        const line = 3 + 2 * index;
        expect(text.split("\n")[line - 1]).toBe(`    port: ${bad}`);
        const result = parseConfig(text);
        expect(result.ok).toBe(false);
        if (result.ok) return;
        expect(result.error.lines).toContain(
          `config.yml:${line}: seeds[${index}].port: expected an integer 1–65535, got ${bad}`,
        );
      }),
      { numRuns: 200 },
    );
  });
});

describe("loadConfig", () => {
  let directory = "";
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "p2p-config-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("loads a file and resolves data_dir next to it", async () => {
    const path = join(directory, "config.yml");
    await writeFile(path, VALID);
    const result = await loadConfig(path);
    expect(result.ok).toBe(true);
    if (result.ok) expect(result.value.dataDir).toBe(join(directory, ".data"));
  });

  it("names the file in problem lines", async () => {
    const path = join(directory, "network.yml");
    await writeFile(path, VALID.replace("port: 5001", "port: 0"));
    const result = await loadConfig(path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIG_INVALID");
      expect(result.error.lines).toEqual([
        `${path}:6: seeds[1].port: expected an integer 1–65535, got 0`,
      ]);
    }
  });

  it("reports a missing file as one line", async () => {
    const path = join(directory, "absent.yml");
    const result = await loadConfig(path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIG_UNREADABLE");
      expect(result.error.lines).toEqual([`${path}: cannot read the config file: file not found`]);
    }
  });

  it("accepts the repository's default config.yml", async () => {
    const root = fileURLToPath(new URL("../../../../", import.meta.url));
    const path = join(root, "config.yml");
    const result = await loadConfig(path);
    expect(result.ok).toBe(true);
    if (!result.ok) return;
    expect(result.value.seeds).toEqual(["127.0.0.1:5000", "127.0.0.1:5001", "127.0.0.1:5002"]);
    expect(result.value.peerPortRange).toEqual({ start: 6000, end: 7000 });
    expect(result.value.initialPeers).toBe(3);
    expect(result.value.timing.name).toBe("default");
    expect(await readFile(path, "utf8")).toContain("seeds:");
  });
});
