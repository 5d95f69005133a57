import { randomBytes } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { TimingProfileName } from "@p2p/node";
import { createSeededRandom, type RandomSource } from "@p2p/wire";
import { parseNodeAddress } from "./config/address.js";
import { ConfigError } from "./config/config-error.js";
import { loadConfig, type NetworkConfig } from "./config/network-config.js";
import { nodeDataDirectory } from "./config/paths.js";
import { readSeedList, type SeedListEntry } from "./config/seed-list.js";
import { exitWhenStdinCloses } from "./files/child-process.js";
import { loadIdentity } from "./identity.js";

/**
 * Exit codes of the p2p command-line apps (sysexits: usage 64, bad input data 65, missing
 * input file 66, no seed answered 69, config 78).
 */
export const EXIT = Object.freeze({
  ok: 0,
  unexpected: 1,
  usage: 64,
  data: 65,
  noInput: 66,
  unavailable: 69,
  config: 78,
});

/**
 * The version of the package a module belongs to (its nearest package.json, from source or
 * from a build), for `--version`.
 */
export function packageVersion(moduleUrl: string): string {
  let directory = dirname(fileURLToPath(moduleUrl));
  for (;;) {
    const path = join(directory, "package.json");
    if (existsSync(path)) {
      const version = (JSON.parse(readFileSync(path, "utf8")) as { version?: unknown }).version;
      return typeof version === "string" ? version : "0.0.0";
    }
    const parent = dirname(directory);
    if (parent === directory) return "0.0.0";
    directory = parent;
  }
}

/** A usage or configuration problem: printed as one line, then the app exits with `exitCode`. */
export class AppExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
    this.name = "AppExit";
  }
}

/**
 * The project's one seeded generator (`createSeededRandom` of `@p2p/wire`, xoroshiro128+),
 * seeded from the OS: a fast non-cryptographic RandomSource for a running process.
 */
export function createProcessRandom(): RandomSource {
  return createSeededRandom(randomBytes(6).readUIntBE(0, 6));
}

/**
 * Parses the command line with a commander program set to `exitOverride()`: `--help` and
 * `--version` exit 0, a usage error (already printed by the parser) exits 64.
 */
export function parseCommandLine(
  program: { parse(argv: readonly string[]): unknown },
  argv: readonly string[] = process.argv,
): void {
  try {
    program.parse(argv);
  } catch (error) {
    const code = (error as { exitCode?: unknown }).exitCode;
    if (typeof code === "number") process.exit(code === 0 ? EXIT.ok : EXIT.usage);
    throw error;
  }
}

/**
 * Validates a node address argument (`ip:port` or `[ipv6]:port`, port 1–65535, as
 * {@link parseNodeAddress} accepts it) or throws a usage AppExit.
 */
export function addressArgument(value: string | undefined, role: string): string {
  if (value === undefined) throw new AppExit(EXIT.usage, `${role}: missing <ip>:<port>`);
  const parsed = parseNodeAddress(value);
  if (!parsed.ok) throw new AppExit(EXIT.usage, `${role}: ${parsed.error.message}`);
  return value;
}

/**
 * Loads config.yml or throws a config AppExit listing the problems. A `--profile` replaces the
 * file's `profile`; the file's `timing` overrides apply on top of either.
 */
export async function loadNetworkConfig(
  path: string,
  profile: TimingProfileName | undefined,
): Promise<NetworkConfig> {
  const loaded = await loadConfig(path, profile === undefined ? {} : { profile });
  if (!loaded.ok) {
    const error = loaded.error;
    throw new AppExit(EXIT.config, error instanceof ConfigError ? error.message : String(error));
  }
  return loaded.value;
}

/** True for an address on this machine's loopback interface (127.0.0.0/8 or ::1). */
function isLoopback(address: string): boolean {
  const parsed = parseNodeAddress(address);
  return parsed.ok && (parsed.value.ip.startsWith("127.") || parsed.value.ip === "::1");
}

/**
 * The seeds of config.yml with their pinned identity keys. A seed entry's `key` pins it; a
 * seed on this machine's loopback without a key (a local network, as the starter runs it) uses
 * the identity in its own data directory, made on first use. A seed elsewhere without a key is
 * refused: its key can only come from its own machine.
 */
export function pinnedSeeds(config: NetworkConfig, configPath: string): SeedListEntry[] {
  const missing = config.seeds.filter(
    (address) => config.seedKeys[address] === undefined && !isLoopback(address),
  );
  if (missing.length > 0) {
    throw new AppExit(
      EXIT.config,
      `${configPath}: seeds: no key for ${missing.join(", ")}; on each seed's machine run \`seed key <ip:port>\` and add the printed key to its entry`,
    );
  }
  return config.seeds.map((address) => ({
    address,
    key:
      config.seedKeys[address] ??
      loadIdentity(nodeDataDirectory(config.dataDir, "seed", address)).publicKey,
  }));
}

/**
 * The seeds a node uses, with their pinned keys: `--seeds <file>` if given, else config.txt
 * next to config.yml when the seeds wrote one, else config.yml's own list ({@link pinnedSeeds}).
 */
export async function peerSeedList(
  configPath: string,
  seedsFile: string | undefined,
  loadConfigFile: () => Promise<NetworkConfig>,
): Promise<SeedListEntry[]> {
  const path = seedsFile ?? join(dirname(resolve(configPath)), "config.txt");
  if (seedsFile === undefined && !existsSync(path)) {
    return pinnedSeeds(await loadConfigFile(), configPath);
  }
  const read = await readSeedList(path);
  if (!read.ok) throw new AppExit(EXIT.config, read.error.message);
  return [...read.value];
}

/**
 * Process wiring shared by the seed and peer apps: SIGINT/SIGTERM run `onStop` once, and with
 * `P2P_EXIT_WITH_STDIN=1` (set by the starter) a closed stdin pipe does too, so no child
 * outlives its starter.
 */
export function handleProcessExit(onStop: (signal: string) => Promise<void>): void {
  let isStopping = false;
  const stop = (signal: string): void => {
    if (isStopping) return;
    isStopping = true;
    const force = setTimeout(() => process.exit(EXIT.unexpected), 5_000);
    force.unref();
    onStop(signal).then(
      () => process.exit(EXIT.ok),
      (error: unknown) => {
        process.stderr.write(`stop failed: ${String(error)}\n`);
        process.exit(EXIT.unexpected);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
  exitWhenStdinCloses(() => stop("stdin-closed"));
}

/** Runs an app's main: prints an AppExit as one line and exits with its code; anything else is 1. */
export async function runApp(name: string, main: () => Promise<void>): Promise<void> {
  try {
    await main();
  } catch (error) {
    if (error instanceof AppExit) {
      process.stderr.write(`${error.message}\n`);
      process.exit(error.exitCode);
    }
    process.stderr.write(
      `${name}: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
    );
    process.exit(EXIT.unexpected);
  }
}

/**
 * What `seed key <ip:port>` and `peer key <ip:port>` do: validates the address, finds the node's
 * data directory (`--data-dir`, else config.yml's `data_dir` when the file exists, else `.data`)
 * and loads its identity key, making one (owner-only) if there is none.
 */
export async function keyCommandIdentity(
  role: "seed" | "peer",
  addressValue: string | undefined,
  options: { readonly config: string; readonly dataDir?: string | undefined },
) {
  const address = addressArgument(addressValue, `${role} key`);
  const configPath = resolve(options.config);
  const dataDir =
    options.dataDir ??
    (existsSync(configPath) ? (await loadNetworkConfig(configPath, undefined)).dataDir : ".data");
  const directory = nodeDataDirectory(dataDir, role, address);
  return { address, keyFile: join(directory, "secret-key"), identity: loadIdentity(directory) };
}
