#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import {
  AppExit,
  addressArgument,
  createLineLogger,
  createNodeLogger,
  createProcessRandom,
  EXIT,
  formatReadyLine,
  formatWaitingLine,
  handleProcessExit,
  keyCommandIdentity,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  loadIdentity,
  loadNetworkConfig,
  type NetworkConfig,
  type NodeLogLevel,
  nodeDataDirectory,
  packageVersion,
  parseCommandLine,
  peerSeedList,
  runApp,
  verifyEd25519,
} from "@p2p/cli-support";
import type { MetricsServer } from "@p2p/cli-support/metrics";
import { createPeerNode, type PeerNode, type PinnedSeed } from "@p2p/node";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command, Option } from "commander";
import { controlledPeers, readControlLines } from "./control.js";
import {
  consecutiveAddresses,
  createStepTimer,
  type StepTimer,
  startHostStats,
  timedClock,
  timedTransport,
} from "./host.js";
import { logPeerEvent } from "./peer-events.js";

const keyProgram = new Command("p2p-peer key")
  .version(packageVersion(import.meta.url))
  .description(
    "Make this peer's identity key (kept in its data directory, owner-only) if it has none, and " +
      "print its public key: the line to add under allowed_keys in config.yml for a closed network.",
  )
  .argument("<ip:port>", "the peer's address")
  .option("-c, --config <path>", "the network's config.yml (for data_dir)", "config.yml")
  .option("-d, --data-dir <path>", "the data directory (default: config's data_dir, else .data)")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

const program = new Command("p2p-peer")
  .version(packageVersion(import.meta.url))
  .description("Run one peer: register with the seeds, pick neighbours, gossip, check liveness.")
  .argument("<ip:port>", "this peer's address (where it listens); with --count, the first one's")
  .option("-c, --config <path>", "the network's config.yml", "config.yml")
  .option(
    "-s, --seeds <path>",
    "seed list file, one `ip:port key` per line (default: config.txt beside config.yml, else config.yml's seeds)",
  )
  .addOption(
    new Option("-p, --profile <name>", "timing profile (overrides config.yml)").choices([
      "default",
      "fast",
    ]),
  )
  .option("-k, --neighbours <count>", "neighbours to pick when joining", "2")
  .addOption(
    new Option("--log-level <level>", "lowest level written to peer.log and stdout")
      .choices(LOG_LEVELS)
      .default("info"),
  )
  .addOption(
    new Option("--log-format <format>", "peer.log lines: JSON objects or readable lines")
      .choices(LOG_FORMATS)
      .default("json"),
  )
  .option("--metrics <ip:port>", "serve Prometheus metrics at http://<ip:port>/metrics")
  .option(
    "-m, --messages <count>",
    "messages this peer generates (default: config.yml's gossip_message_count, else the profile's)",
  )
  .option(
    "-n, --count <peers>",
    "run this many peers in this one process, at consecutive ports from <ip:port>",
    "1",
  )
  .option(
    "--control",
    "take commands on stdin (start|crash|leave <ip:port>, one per line) to start or end one hosted peer",
  )
  .addHelpText(
    "after",
    "\nOn a closed network (allowed_keys in config.yml), run `peer key <ip:port>` first and add the\nprinted key to allowed_keys on every seed.\n\nWith --count N the process hosts N peers (127.0.0.1:7000 --count 100: ports 7000–7099), each\nwith its own identity, links and log lines, and prints a `host:` line with its memory and\nevent-loop delay every 10 s. SIGINT/SIGTERM makes every one of them leave.\n\nWith --control (as the starter runs it with --peers-per-process) the process also reads\n`start <ip:port>`, `crash <ip:port>` and `leave <ip:port>` lines on stdin: it starts one more\npeer, stops one at once without deregistering (as a kill would), or makes one leave, and\nprints `ready peer <ip:port>` or `exited peer <ip:port>: <reason>` for it.",
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

async function printPeerKey(): Promise<void> {
  parseCommandLine(keyProgram, [...process.argv.slice(0, 2), ...process.argv.slice(3)]);
  const { address, keyFile, identity } = await keyCommandIdentity(
    "peer",
    keyProgram.args[0],
    keyProgram.opts<{ config: string; dataDir?: string }>(),
  );
  process.stdout.write(
    `# peer ${address}: identity key in ${keyFile} (keep it there, owner-only)\n` +
      `# config.yml, under allowed_keys (closed membership):\n  - ${identity.publicKey}\n`,
  );
}

await runApp("peer", async () => {
  if (process.argv[2] === "key") {
    await printPeerKey();
    return;
  }
  parseCommandLine(program);
  const options = program.opts<{
    config: string;
    seeds?: string;
    profile?: "default" | "fast";
    neighbours: string;
    logLevel: NodeLogLevel;
    logFormat: LogFormat;
    metrics?: string;
    count: string;
    messages?: string;
    control?: boolean;
  }>();
  const first = addressArgument(program.args[0], "peer");
  const neighbourCount = Number(options.neighbours);
  if (!Number.isInteger(neighbourCount) || neighbourCount < 1 || neighbourCount > 64) {
    throw new AppExit(
      EXIT.usage,
      `peer: --neighbours must be an integer 1–64, got ${options.neighbours}`,
    );
  }
  const addresses = consecutiveAddresses(first, options.count);
  const isHost = addresses.length > 1 || options.control === true;
  if (isHost && options.metrics !== undefined) {
    throw new AppExit(
      EXIT.usage,
      "peer: --metrics serves one peer; leave it out with --count and --control",
    );
  }
  const messages = options.messages === undefined ? undefined : Number(options.messages);
  if (messages !== undefined && !(Number.isInteger(messages) && messages >= 0)) {
    throw new AppExit(
      EXIT.usage,
      `peer: --messages must be a whole number 0 or more, got ${options.messages}`,
    );
  }
  const configPath = resolve(options.config);
  const loaded = await loadNetworkConfig(configPath, options.profile);
  const config: NetworkConfig =
    messages === undefined
      ? loaded
      : { ...loaded, timing: { ...loaded.timing, gossipMessageCount: messages } };
  const seeds = await peerSeedList(configPath, options.seeds, async () => config);
  const shared: SharedSetup = {
    config,
    seeds,
    directory: dirname(configPath),
    neighbourCount,
    logLevel: options.logLevel,
    logFormat: options.logFormat,
  };
  // A process hosting several peers times each step of protocol work for its host line.
  const steps = isHost ? createStepTimer() : undefined;
  const hosted = addresses.map((address) => setUpPeer(address, shared, steps));
  /** The peers this process runs now, by address (control commands add and end some). */
  const running = new Map(hosted.map((one) => [one.address, one]));
  const only = isHost ? undefined : hosted[0];
  // Metrics first: a --metrics port in use stops the peer before it registers.
  let metrics: MetricsServer | undefined;
  if (options.metrics !== undefined && only !== undefined) {
    const { createPeerMetrics, startMetricsServer } = await import("@p2p/cli-support/metrics");
    metrics = await startMetricsServer(
      "peer",
      options.metrics,
      createPeerMetrics({
        inspect: () => only.peer.inspect(),
        transportStats: () => only.transport.stats(),
      }),
    );
    const url = `http://${metrics.address}/metrics`;
    only.logger.event("info", "metrics-serving", { url }, `metrics at ${url}`);
  }
  const stats =
    steps === undefined
      ? undefined
      : startHostStats(
          () => running.size,
          steps,
          (line) => process.stdout.write(`${line}\n`),
        );
  handleProcessExit(async (signal) => {
    stats?.stop();
    await metrics?.close();
    await Promise.all([...running.values()].map((one) => one.stop(signal)));
  });
  if (options.control === true) {
    readControlLines(
      process.stdin,
      controlledPeers(running, (address) => setUpPeer(address, shared, steps)),
      (line) => process.stdout.write(`${line}\n`),
      (line) => process.stderr.write(`${line}\n`),
    );
  }
  // A host starts its peers a few at a time: the seeds see a steady stream of joins, not a storm.
  await forEachLimited(hosted, 8, async (one) => {
    try {
      await one.peer.start();
    } catch (error) {
      throw new AppExit(
        EXIT.unexpected,
        `peer ${one.address}: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
    process.stdout.write(`${formatReadyLine("peer", one.address)}\n`);
  });
});

/** What every peer of this process shares: the network's config and how to log. */
interface SharedSetup {
  readonly config: NetworkConfig;
  readonly seeds: readonly PinnedSeed[];
  /** config.yml's directory: peer.log and outputfile.txt go there. */
  readonly directory: string;
  readonly neighbourCount: number;
  readonly logLevel: NodeLogLevel;
  readonly logFormat: LogFormat;
}

/** One peer of this process, set up but not started. */
interface HostedPeer {
  readonly address: string;
  readonly peer: PeerNode;
  readonly transport: ReturnType<typeof createTcpTransport>;
  readonly logger: ReturnType<typeof createNodeLogger>;
  /**
   * SIGINT/SIGTERM: leave by quorum; anything else (stdin closed, a crash): stop. Then close
   * its logs. Every call shares the first one.
   */
  stop(signal: string): Promise<void>;
}

/** Builds one peer at `address`: its identity, logs, transport and node. */
function setUpPeer(address: string, shared: SharedSetup, steps?: StepTimer): HostedPeer {
  const { config } = shared;
  const node = `peer ${address}`;
  // peer.log: one JSON object (or readable line) per event; stdout: the readable lines.
  const logger = createNodeLogger({
    path: join(shared.directory, "peer.log"),
    node,
    level: shared.logLevel,
    format: shared.logFormat,
    screen: process.stdout,
  });
  // outputfile.txt: delivered messages and dead reports, whole lines naming this peer.
  const output = createLineLogger({ path: join(shared.directory, "outputfile.txt"), node });

  // The peer keeps its identity key across restarts, so `revive` re-registers the same identity.
  const signer = loadIdentity(nodeDataDirectory(config.dataDir, "peer", address));

  const transport = createTcpTransport({ logger });
  const peer = createPeerNode({
    address,
    seeds: shared.seeds,
    transport: steps === undefined ? transport : timedTransport(transport, steps),
    clock: steps === undefined ? systemClock : timedClock(systemClock, steps),
    random: createProcessRandom(),
    logger,
    timing: config.timing,
    wallClock: Date.now,
    neighbourCount: shared.neighbourCount,
    ...(config.overlayExponent === undefined
      ? {}
      : { overlay: { exponent: config.overlayExponent } }),
    ...(config.gossipForwarding === undefined
      ? {}
      : { gossipForwarding: { type: config.gossipForwarding } }),
    signer,
    verify: verifyEd25519,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    crypto: nodeNoiseCrypto,
    registrationRetryMs: 2_000,
  });
  /** The one stop of this peer: later calls share it (its logs close once). */
  let stopping: Promise<void> | undefined;
  /** The last reason printed on a waiting line: each distinct reason is printed once. */
  let waitingReason: string | undefined;
  const showWaiting = (reason: string): void => {
    if (reason === waitingReason) return;
    waitingReason = reason;
    process.stdout.write(`${formatWaitingLine("peer", address, reason)}\n`);
  };
  peer.on((event) => {
    if (event.type === "registration-refused") {
      // No majority of seeds took the registration: the peer keeps trying, and tells the
      // starter it waits (once per distinct reason).
      showWaiting(event.message.replace(/^registration of \S+ failed: /, ""));
    }
    logPeerEvent(logger, output, event);
  });
  return {
    address,
    peer,
    transport,
    logger,
    stop(signal) {
      stopping ??= (async () => {
        logger.event("info", "peer-stopping", { signal }, `stopping (${signal})`);
        if (signal === "SIGTERM" || signal === "SIGINT") await peer.leave();
        else await peer.stop();
        logger.close();
        output.close();
      })();
      return stopping;
    },
  };
}

/** Runs `body` on every item, at most `limit` at a time; rejects with the first failure. */
async function forEachLimited<T>(
  items: readonly T[],
  limit: number,
  body: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const item = items[next] as T;
      next += 1;
      await body(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
