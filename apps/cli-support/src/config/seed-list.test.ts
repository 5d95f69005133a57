import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { nodeDataDirectory } from "./paths.js";
import { parseSeedList, readSeedList, writeSeedList } from "./seed-list.js";

/** A seed's pinned key in these tests. */
const K = "ab".repeat(32);
const pinned = (...addresses: string[]) => addresses.map((address) => ({ address, key: K }));
const lines = (...addresses: string[]) => addresses.map((address) => `${address} ${K}\n`).join("");

describe("parseSeedList", () => {
  it("reads one `address key` per line, ignoring blank lines and comments", () => {
    const text = `# seeds\n127.0.0.1:5000 ${K}\n\n  10.0.0.2:5001   ${K} # second\r\n10.0.0.3:5002\t${K}\n`;
    const result = parseSeedList(text);
    expect(result).toEqual({
      ok: true,
      value: pinned("127.0.0.1:5000", "10.0.0.2:5001", "10.0.0.3:5002"),
    });
  });

  it("refuses a line without a key, with a short key, or with more after the key", () => {
    const result = parseSeedList(`127.0.0.1:5000\n127.0.0.1:5001 abc\n127.0.0.1:5002 ${K} extra\n`);
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.lines).toHaveLength(3);
    for (const line of result.error.lines) expect(line).toMatch(/expected "ip:port key"/);
  });

  it("reports each bad line and duplicates with their line numbers", () => {
    const result = parseSeedList(
      lines("127.0.0.1:5000", "localhost:5001", "127.0.0.1:99999", "127.0.0.1:5000"),
    );
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.lines).toEqual([
      'config.txt:2: expected a seed address ip:port or [ipv6]:port (port 1–65535), got "localhost:5001"',
      'config.txt:3: expected a seed address ip:port or [ipv6]:port (port 1–65535), got "127.0.0.1:99999"',
      "config.txt:4: duplicate seed 127.0.0.1:5000 (same as line 1)",
    ]);
  });

  it("reads IPv6 seeds in brackets and refuses other spellings of an address", () => {
    expect(parseSeedList(lines("[::1]:5000", "[fe80::1]:5001", "127.0.0.1:5002"))).toEqual({
      ok: true,
      value: pinned("[::1]:5000", "[fe80::1]:5001", "127.0.0.1:5002"),
    });
    const result = parseSeedList(lines("::1:5000", "[::ABCD]:5001", "[::1]:5000", "[::1]:5000"));
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.lines).toEqual([
      'config.txt:1: expected a seed address ip:port or [ipv6]:port (port 1–65535), got "::1:5000"',
      'config.txt:2: expected a seed address ip:port or [ipv6]:port (port 1–65535), got "[::ABCD]:5001"',
      "config.txt:4: duplicate seed [::1]:5000 (same as line 3)",
    ]);
  });

  it("rejects an empty list", () => {
    const result = parseSeedList("# nothing yet\n\n");
    expect(result.ok).toBe(false);
    if (!result.ok)
      expect(result.error.lines).toEqual([
        "config.txt: expected at least one seed address, got none",
      ]);
  });
});

describe("readSeedList and writeSeedList", () => {
  let directory = "";
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "p2p-seeds-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("round-trips any list of distinct addresses and leaves no temporary file", async () => {
    const address = fc
      .tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 }))
      .map(([ip, port]) => `${ip}:${port}`);
    const path = join(directory, "config.txt");
    await fc.assert(
      fc.asyncProperty(
        fc.uniqueArray(address, { minLength: 1, maxLength: 20 }),
        async (addresses) => {
          const list = pinned(...addresses);
          await writeSeedList(path, list);
          expect(await readSeedList(path)).toEqual({ ok: true, value: list });
          expect(await readdir(directory)).toEqual(["config.txt"]);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("replaces the previous list whole", async () => {
    const path = join(directory, "config.txt");
    await writeFile(path, lines("10.0.0.1:1", "10.0.0.2:2", "10.0.0.3:3"));
    await writeSeedList(path, pinned("127.0.0.1:5000"));
    expect(await readFile(path, "utf8")).toBe(lines("127.0.0.1:5000"));
  });

  it("throws on a bad address without touching the file", async () => {
    const path = join(directory, "config.txt");
    await writeFile(path, lines("127.0.0.1:5000"));
    await expect(writeSeedList(path, pinned("127.0.0.1:5000", "nope"))).rejects.toMatchObject({
      code: "ADDRESS_INVALID",
    });
    expect(await readFile(path, "utf8")).toBe(lines("127.0.0.1:5000"));
  });

  it("reports a missing file", async () => {
    const path = join(directory, "config.txt");
    const result = await readSeedList(path);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("CONFIG_UNREADABLE");
      expect(result.error.lines).toEqual([`${path}: cannot read the seed list: file not found`]);
    }
  });
});

describe("nodeDataDirectory", () => {
  it("names one directory per role and address", () => {
    expect(nodeDataDirectory("/data", "seed", "127.0.0.1:5000")).toBe("/data/seed-127.0.0.1-5000");
    expect(nodeDataDirectory("/data", "peer", "[::1]:6000")).toBe("/data/peer-__1-6000");
    expect(() => nodeDataDirectory("/data", "seed", "../etc:1")).toThrow(/not an ip:port/);
  });
});
