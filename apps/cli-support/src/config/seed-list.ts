import { randomBytes } from "node:crypto";
import { rename, rm, writeFile } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { err, ok, P2pError, type Result } from "@p2p/wire";
import { parseNodeAddress } from "./address.js";
import { ConfigError, type ConfigProblem, readConfigFile } from "./config-error.js";

/** A seed and its pinned identity key, as config.txt lists it. */
export interface SeedListEntry {
  readonly address: string;
  /** The seed's Ed25519 public key, 64 lower-case hex digits. */
  readonly key: string;
}

/**
 * Parses config.txt text: one `ip:port key` per line (the seed's address and its identity
 * key, 64 hex digits); blank lines and `#` comments are ignored. Bad lines, a missing key,
 * duplicates and an empty list are problems, one line each.
 */
export function parseSeedList(
  text: string,
  fileName = "config.txt",
): Result<readonly SeedListEntry[], ConfigError> {
  const addresses: SeedListEntry[] = [];
  const problems: ConfigProblem[] = [];
  const firstLine = new Map<string, number>();
  text.split(/\r?\n/).forEach((rawLine, index) => {
    const line = index + 1;
    const hash = rawLine.indexOf("#");
    const content = (hash === -1 ? rawLine : rawLine.slice(0, hash)).trim();
    if (content === "") return;
    const [address = "", key, ...rest] = content.split(/\s+/);
    const parsed = parseNodeAddress(address);
    if (!parsed.ok) {
      problems.push({
        file: fileName,
        line,
        path: "",
        message: `expected a seed address ip:port or [ipv6]:port (port 1–65535), got ${JSON.stringify(address)}`,
      });
      return;
    }
    if (key === undefined || !/^[0-9a-f]{64}$/.test(key) || rest.length > 0) {
      problems.push({
        file: fileName,
        line,
        path: "",
        message: `expected "ip:port key" with the seed's identity key (64 hex digits) after the address, got ${JSON.stringify(content)}`,
      });
      return;
    }
    const earlier = firstLine.get(address);
    if (earlier !== undefined) {
      problems.push({
        file: fileName,
        line,
        path: "",
        message: `duplicate seed ${address} (same as line ${earlier})`,
      });
      return;
    }
    firstLine.set(address, line);
    addresses.push({ address, key });
  });
  if (problems.length === 0 && addresses.length === 0) {
    problems.push({
      file: fileName,
      line: undefined,
      path: "",
      message: "expected at least one seed address, got none",
    });
  }
  if (problems.length > 0) return err(new ConfigError("CONFIG_INVALID", problems));
  return ok(Object.freeze(addresses));
}

/** Reads and validates config.txt (see {@link parseSeedList}). */
export async function readSeedList(
  path: string,
): Promise<Result<readonly SeedListEntry[], ConfigError>> {
  const text = await readConfigFile(path, "the seed list");
  if (!text.ok) return text;
  return parseSeedList(text.value, path);
}

/**
 * Writes config.txt atomically: the list goes to a temporary file in the same directory,
 * which is then renamed over `path`, so a reader sees the old list or the new one, never
 * half of one. Throws `ADDRESS_INVALID` for a bad address (a caller mistake).
 */
export async function writeSeedList(path: string, seeds: readonly SeedListEntry[]): Promise<void> {
  for (const { address, key } of seeds) {
    if (!/^[0-9a-f]{64}$/.test(key)) {
      throw new P2pError(
        "CONFIG_INVALID",
        `writeSeedList: the key of ${address} is not 64 hex digits`,
      );
    }
    const parsed = parseNodeAddress(address);
    if (!parsed.ok) {
      throw new P2pError(
        "ADDRESS_INVALID",
        `writeSeedList: ${JSON.stringify(address)} is not an ip:port address (${parsed.error.message})`,
        { cause: parsed.error },
      );
    }
  }
  const temporary = join(
    dirname(path),
    `.${basename(path)}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`,
  );
  const text = seeds.map(({ address, key }) => `${address} ${key}\n`).join("");
  try {
    await writeFile(temporary, text, { encoding: "utf8", flag: "wx" });
    await rename(temporary, path);
  } catch (error) {
    await rm(temporary, { force: true });
    throw error;
  }
}
