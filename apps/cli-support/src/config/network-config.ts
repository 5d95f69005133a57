import { dirname, resolve } from "node:path";
import { resolveTimingProfile, type TimingProfile, type TimingProfileName } from "@p2p/node";
import { err, ok, type Result } from "@p2p/wire";
import { isMap, LineCounter, parseDocument, type Node as YamlNode } from "yaml";
import { z } from "zod";
import { parseWithSchema } from "../schema-problems.js";
import { formatNodeAddress, isPort, parseNodeIp } from "./address.js";
import { ConfigError, type ConfigProblem, readConfigFile } from "./config-error.js";

/** A network as config.yml describes it, validated, with defaults applied (frozen). */
export interface NetworkConfig {
  /** Seed addresses (`ip:port`), in file order. */
  readonly seeds: readonly string[];
  /** The pinned identity key (64 hex digits) of each seed whose entry has a `key`. */
  readonly seedKeys: Readonly<Record<string, string>>;
  /** The IP address the starter gives the peers it starts. */
  readonly peerIp: string;
  /** Inclusive range of ports the starter picks peer ports from. */
  readonly peerPortRange: { readonly start: number; readonly end: number };
  /** How many peers the starter starts after the seeds. */
  readonly initialPeers: number;
  /** The timing profile with the file's overrides applied. */
  readonly timing: TimingProfile;
  /** Directory for durable node state, resolved against the config file's directory. */
  readonly dataDir: string;
  /**
   * Closed membership: the identity keys (64 hex digits) allowed to register, from
   * `allowed_keys`; undefined (the key absent) means open membership.
   */
  readonly allowedKeys?: readonly string[];
  /**
   * The degree exponent the peers' overlay aims at (`overlay_exponent`, > 2); undefined means
   * the overlay's default (2.8).
   */
  readonly overlayExponent?: number;
  /**
   * How peers forward gossip (`gossip_forwarding`): `flood` (every link, the default) or
   * `plumtree` (an eager tree with lazy repair). Every peer of a network should use the same.
   */
  readonly gossipForwarding?: "flood" | "plumtree";
}

/** Options of {@link parseConfig}. */
export interface ParseConfigOptions {
  /** Name used in problem lines (default `config.yml`). */
  readonly fileName?: string;
  /** Directory a relative `data_dir` is resolved against (default: left as written). */
  readonly baseDirectory?: string;
  /**
   * The timing profile to use instead of the file's `profile` (a `--profile` flag); the file's
   * `timing` overrides still apply on top of it.
   */
  readonly profile?: TimingProfileName;
}

const ROOT_KEYS = [
  "seeds",
  "peer_port_range",
  "initial_peers",
  "peer_ip",
  "profile",
  "timing",
  "data_dir",
  "allowed_keys",
  "overlay_exponent",
  "gossip_forwarding",
] as const;
const SEED_KEYS = ["ip", "port", "key"] as const;
const RANGE_KEYS = ["start", "end"] as const;
const TIMING_KEYS = [
  "gossip_interval_ms",
  "gossip_message_count",
  "ping_interval_ms",
  "ping_timeout_ms",
  "ping_misses",
] as const;

const PORT_EXPECTED = "expected an integer 1–65535";

const ipSchema = z
  .custom<string>((value) => typeof value === "string" && parseNodeIp(value).ok, {
    error: "expected an IP address like 127.0.0.1 or ::1",
  })
  .transform((value) => {
    const parsed = parseNodeIp(value);
    return parsed.ok ? parsed.value : value;
  });
const portSchema = z.custom<number>(isPort, { error: PORT_EXPECTED });

function positiveInteger(what: string, minimum: number) {
  return z.custom<number>(
    (value) => typeof value === "number" && Number.isInteger(value) && value >= minimum,
    { error: `expected ${what}, an integer ≥ ${minimum}` },
  );
}

const keySchema = z.custom<string>(
  (value) => typeof value === "string" && /^[0-9a-f]{64}$/.test(value),
  {
    error: "expected the seed's identity key: 64 lower-case hex digits (run `seed key <ip:port>`)",
  },
);

const seedSchema = z.strictObject(
  { ip: ipSchema, port: portSchema, key: keySchema.optional() },
  { error: "expected a seed mapping with ip, port and key" },
);

const rangeSchema = z
  .strictObject(
    { start: portSchema, end: portSchema },
    { error: "expected a mapping with start and end ports" },
  )
  .superRefine((range, context) => {
    if (range.start > range.end) {
      context.addIssue({
        code: "custom",
        params: { verbatim: true },
        message: `expected start ≤ end, got start ${range.start} > end ${range.end} (an empty range)`,
      });
    }
  });

const timingSchema = z.strictObject(
  {
    gossip_interval_ms: positiveInteger("milliseconds", 1).optional(),
    gossip_message_count: positiveInteger("a message count", 0).optional(),
    ping_interval_ms: positiveInteger("milliseconds", 1).optional(),
    ping_timeout_ms: positiveInteger("milliseconds", 1).optional(),
    ping_misses: positiveInteger("a miss count", 1).optional(),
  },
  { error: "expected a mapping of timing overrides" },
);

const configSchema = z
  .strictObject(
    {
      seeds: z
        .array(seedSchema, { error: "expected a list of seeds, each with ip and port" })
        .min(1, { error: "expected at least one seed" })
        .superRefine((seeds, context) => {
          const firstIndex = new Map<string, number>();
          seeds.forEach((seed, index) => {
            const address = formatNodeAddress(seed);
            const earlier = firstIndex.get(address);
            if (earlier === undefined) {
              firstIndex.set(address, index);
            } else {
              context.addIssue({
                code: "custom",
                params: { verbatim: true },
                path: [index],
                message: `duplicate seed ${address} (same as seeds[${earlier}])`,
              });
            }
          });
        }),
      peer_port_range: rangeSchema,
      initial_peers: positiveInteger("a peer count", 0).default(3),
      peer_ip: ipSchema.default("127.0.0.1"),
      profile: z
        .enum(["default", "fast"], { error: 'expected "default" or "fast"' })
        .default("default"),
      timing: timingSchema.default({}),
      data_dir: z
        .string({ error: "expected a directory path" })
        .min(1, { error: "expected a directory path" })
        .default(".data"),
      allowed_keys: z
        .array(
          z.custom<string>((value) => typeof value === "string" && /^[0-9a-f]{64}$/.test(value), {
            error:
              "expected a peer's identity key: 64 lower-case hex digits (run `peer key <ip:port>`)",
          }),
          { error: "expected a list of identity keys (closed membership)" },
        )
        .optional(),
      overlay_exponent: z
        .number({ error: "expected a number > 2 (the degree exponent, e.g. 2.8)" })
        .gt(2, { error: "expected a number > 2 (the degree exponent, e.g. 2.8)" })
        .lte(10, { error: "expected at most 10" })
        .optional(),
      gossip_forwarding: z
        .enum(["flood", "plumtree"], { error: 'expected "flood" or "plumtree"' })
        .optional(),
    },
    { error: `expected a mapping with keys ${ROOT_KEYS.join(", ")}` },
  )
  .superRefine((config, context) => {
    const size = config.peer_port_range.end - config.peer_port_range.start + 1;
    if (size > 0 && config.initial_peers > size) {
      context.addIssue({
        code: "custom",
        params: { verbatim: true },
        path: ["initial_peers"],
        message: `expected at most ${size} (the size of peer_port_range), got ${config.initial_peers}`,
      });
    }
  });

type RawConfig = z.infer<typeof configSchema>;

/**
 * Validates config.yml text. Problems come back as a {@link ConfigError} with one line per
 * problem, naming the file line, the field path and what was expected.
 */
export function parseConfig(
  text: string,
  options: ParseConfigOptions = {},
): Result<NetworkConfig, ConfigError> {
  const file = options.fileName ?? "config.yml";
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, uniqueKeys: true, prettyErrors: false });
  if (document.errors.length > 0) {
    const problems = document.errors.map((error): ConfigProblem => {
      const firstLine = error.message.split("\n")[0] ?? error.message;
      return {
        file,
        line: lineCounter.linePos(error.pos[0]).line,
        path: "",
        message: `not valid YAML: ${firstLine.replace(/ at line \d+, column \d+:?$/, "")}`,
      };
    });
    return err(new ConfigError("CONFIG_INVALID", dedupeProblems(problems)));
  }
  const raw: unknown = document.toJS();
  const parsed = parseWithSchema(configSchema, raw);
  if (!parsed.ok) {
    const lineOf = (path: readonly PropertyKey[]): number | undefined => {
      const last = path[path.length - 1];
      if (typeof last === "string") {
        const line = keyLine(document.contents, path.slice(0, -1), last, lineCounter);
        if (line !== undefined) return line;
      }
      const node = nearestNode(document.contents, path);
      const offset = node?.range?.[0];
      return offset === undefined ? undefined : lineCounter.linePos(offset).line;
    };
    const problems = parsed.error.map(
      (problem): ConfigProblem => ({
        file,
        line: lineOf(problem.path),
        path: problem.field,
        message:
          problem.code === "unrecognized_keys"
            ? `unknown key; expected one of ${allowedKeysAt(problem.path.slice(0, -1)).join(", ")}`
            : problem.message,
      }),
    );
    problems.sort((left, right) => (left.line ?? 0) - (right.line ?? 0));
    return err(new ConfigError("CONFIG_INVALID", dedupeProblems(problems)));
  }
  return ok(
    normalize(
      options.profile === undefined ? parsed.value : { ...parsed.value, profile: options.profile },
      options.baseDirectory,
    ),
  );
}

/**
 * Reads and validates a config.yml file (`profile`: as {@link ParseConfigOptions.profile}). A
 * missing or unreadable file is a `CONFIG_UNREADABLE` error; bad content is `CONFIG_INVALID`.
 */
export async function loadConfig(
  path: string,
  options: { readonly profile?: TimingProfileName } = {},
): Promise<Result<NetworkConfig, ConfigError>> {
  const text = await readConfigFile(path, "the config file");
  if (!text.ok) return text;
  return parseConfig(text.value, {
    fileName: path,
    baseDirectory: dirname(resolve(path)),
    ...(options.profile === undefined ? {} : { profile: options.profile }),
  });
}

function normalize(raw: RawConfig, baseDirectory: string | undefined): NetworkConfig {
  const profile: TimingProfileName = raw.profile;
  const overrides = raw.timing;
  const timing = resolveTimingProfile(profile, {
    ...(overrides.gossip_interval_ms === undefined
      ? {}
      : { gossipIntervalMs: overrides.gossip_interval_ms }),
    ...(overrides.gossip_message_count === undefined
      ? {}
      : { gossipMessageCount: overrides.gossip_message_count }),
    ...(overrides.ping_interval_ms === undefined
      ? {}
      : { pingIntervalMs: overrides.ping_interval_ms }),
    ...(overrides.ping_timeout_ms === undefined
      ? {}
      : { pingTimeoutMs: overrides.ping_timeout_ms }),
    ...(overrides.ping_misses === undefined ? {} : { pingMisses: overrides.ping_misses }),
  });
  return Object.freeze({
    seeds: Object.freeze(raw.seeds.map(formatNodeAddress)),
    seedKeys: Object.freeze(
      Object.fromEntries(
        raw.seeds.flatMap((seed) =>
          seed.key === undefined ? [] : [[formatNodeAddress(seed), seed.key]],
        ),
      ),
    ),
    ...(raw.allowed_keys === undefined
      ? {}
      : { allowedKeys: Object.freeze([...new Set(raw.allowed_keys)].sort()) }),
    ...(raw.overlay_exponent === undefined ? {} : { overlayExponent: raw.overlay_exponent }),
    ...(raw.gossip_forwarding === undefined ? {} : { gossipForwarding: raw.gossip_forwarding }),
    peerIp: raw.peer_ip,
    peerPortRange: Object.freeze({
      start: raw.peer_port_range.start,
      end: raw.peer_port_range.end,
    }),
    initialPeers: raw.initial_peers,
    timing,
    dataDir: baseDirectory === undefined ? raw.data_dir : resolve(baseDirectory, raw.data_dir),
  });
}

function allowedKeysAt(path: readonly PropertyKey[]): readonly string[] {
  if (path.length === 0) return ROOT_KEYS;
  if (path[0] === "seeds") return SEED_KEYS;
  if (path[0] === "peer_port_range") return RANGE_KEYS;
  if (path[0] === "timing") return TIMING_KEYS;
  return [];
}

/** The deepest YAML node along `path` (the field itself, or its nearest existing parent). */
function nearestNode(root: unknown, path: readonly PropertyKey[]): YamlNode | undefined {
  let node = root as YamlNode | null | undefined;
  let found = node ?? undefined;
  for (const segment of path) {
    if (node === null || node === undefined || typeof segment === "symbol") break;
    const container = node as { get?: (key: unknown, keepScalar: boolean) => unknown };
    if (typeof container.get !== "function") break;
    const child = container.get(segment, true) as YamlNode | undefined;
    if (child === undefined || child === null) break;
    node = child;
    found = child;
  }
  return found;
}

function keyLine(
  root: unknown,
  path: readonly PropertyKey[],
  key: string,
  lineCounter: LineCounter,
): number | undefined {
  const container = nearestNode(root, path);
  if (!isMap(container)) return undefined;
  for (const pair of container.items) {
    const pairKey = pair.key as { value?: unknown; range?: [number, number, number] } | null;
    if (pairKey?.value === key && pairKey.range !== undefined) {
      return lineCounter.linePos(pairKey.range[0]).line;
    }
  }
  return undefined;
}

function dedupeProblems(problems: readonly ConfigProblem[]): ConfigProblem[] {
  const seen = new Set<string>();
  return problems.filter((problem) => {
    const key = `${problem.line}|${problem.path}|${problem.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
