#!/usr/bin/env node
// `seed <ip>:<port> [--config config.yml] [--profile default|fast] [--log-level <level>]
// [--log-format json|pretty] [--metrics <ip:port>]`: one seed of the member directory.
// `seed key <ip>:<port>`: make (or show) that seed's identity key and print its config lines.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  AppExit,
  addressArgument,
  createNodeLogger,
  createProcessRandom,
  EXIT,
  formatReadyLine,
  handleProcessExit,
  keyCommandIdentity,
  LOG_FORMATS,
  LOG_LEVELS,
  type LogFormat,
  loadIdentity,
  loadNetworkConfig,
  type NodeLogger,
  type NodeLogLevel,
  nodeDataDirectory,
  packageVersion,
  parseCommandLine,
  parseNodeAddress,
  pinnedSeeds,
  runApp,
  verifyEd25519,
  writeSeedList,
} from "@p2p/cli-support";
import type { MetricsServer } from "@p2p/cli-support/metrics";
import { createSeedNode, type SeedNodeEvent } from "@p2p/node";
import type { AcceptorState } from "@p2p/quorum";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command, Option } from "commander";
import { createLmdbStorage } from "./storage/lmdb-storage.js";

const keyProgram = new Command("p2p-seed key")
  .version(packageVersion(import.meta.url))
  .description(
    "Make this seed's identity key (kept in its data directory, owner-only) if it has none, and print " +
      "the lines that pin it: the config.yml seed entry and the config.txt line. Run it on the seed's " +
      "own machine, then copy the key into every machine's config.yml.",
  )
  .argument("<ip:port>", "the seed's address, as config.yml lists it")
  .option("-c, --config <path>", "the network's config.yml (for data_dir)", "config.yml")
  .option("-d, --data-dir <path>", "the data directory (default: config's data_dir, else .data)")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

const program = new Command("p2p-seed")
  .version(packageVersion(import.meta.url))
  .description("Run one seed: a quorum member of the p2p member directory.")
  .argument("<ip:port>", "this seed's address; must be one of the seeds in config.yml")
  .option(
    "-c, --config <path>",
    "the network's config.yml (the same file on every machine)",
    "config.yml",
  )
  .addOption(
    new Option("-p, --profile <name>", "timing profile (overrides config.yml)").choices([
      "default",
      "fast",
    ]),
  )
  .option(
    "-d, --data-dir <path>",
    "where the durable acceptor state lives (default: config's data_dir)",
  )
  .addOption(
    new Option("--log-level <level>", "lowest level written to seed.log and stdout")
      .choices(LOG_LEVELS)
      .default("info"),
  )
  .addOption(
    new Option("--log-format <format>", "seed.log lines: JSON objects or readable lines")
      .choices(LOG_FORMATS)
      .default("json"),
  )
  .option("--metrics <ip:port>", "serve Prometheus metrics at http://<ip:port>/metrics")
  .addHelpText(
    "after",
    "\nEach seed is pinned by its identity key. Across machines, first run `seed key <ip:port>` on\nthe seed's host and put the printed key in every config.yml (on one machine it is automatic).",
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

async function printSeedKey(): Promise<void> {
  parseCommandLine(keyProgram, [...process.argv.slice(0, 2), ...process.argv.slice(3)]);
  const { address, keyFile, identity } = await keyCommandIdentity(
    "seed",
    keyProgram.args[0],
    keyProgram.opts<{ config: string; dataDir?: string }>(),
  );
  const endpoint = parseNodeAddress(address);
  const ip = endpoint.ok ? endpoint.value.ip : address;
  const port = endpoint.ok ? endpoint.value.port : 0;
  process.stdout.write(
    `# seed ${address}: identity key in ${keyFile} (keep it there, owner-only)\n` +
      `# config.yml, under seeds:\n  - { ip: "${ip}", port: ${port}, key: ${identity.publicKey} }\n` +
      `# config.txt:\n${address} ${identity.publicKey}\n`,
  );
}

await runApp("seed", async () => {
  if (process.argv[2] === "key") {
    await printSeedKey();
    return;
  }
  parseCommandLine(program);
  const options = program.opts<{
    config: string;
    profile?: "default" | "fast";
    dataDir?: string;
    logLevel: NodeLogLevel;
    logFormat: LogFormat;
    metrics?: string;
  }>();
  const address = addressArgument(program.args[0], "seed");
  const configPath = resolve(options.config);
  const config = await loadNetworkConfig(configPath, options.profile);
  if (!config.seeds.includes(address)) {
    throw new AppExit(
      EXIT.config,
      `${options.config}: seeds: ${address} is not one of the seeds (${config.seeds.join(", ")}); every seed must be listed in config.yml`,
    );
  }
  const directory = dirname(configPath);
  // seed.log: one JSON object (or readable line) per event; stdout: the readable lines.
  const logger = createNodeLogger({
    path: join(directory, "seed.log"),
    node: `seed ${address}`,
    level: options.logLevel,
    format: options.logFormat,
    screen: process.stdout,
  });
  const dataDirectory = nodeDataDirectory(options.dataDir ?? config.dataDir, "seed", address);
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 }); // owner only: it holds the secret key
  // Every node has an Ed25519 identity key, created on first start (owner-only file).
  const identity = loadIdentity(dataDirectory);
  // With --data-dir, a local seed's unpinned key (its own and the others') is looked up there too.
  const seeds = pinnedSeeds(
    options.dataDir === undefined ? config : { ...config, dataDir: resolve(options.dataDir) },
    options.config,
  );
  const pinned = seeds.find((seed) => seed.address === address);
  if (pinned?.key !== identity.publicKey) {
    throw new AppExit(
      EXIT.config,
      `${options.config}: seeds: the key pinned for ${address} is not this seed's identity key ${identity.publicKey} (in ${dataDirectory}); run \`seed key ${address}\` and pin the key it prints`,
    );
  }
  const transport = createTcpTransport({ logger });
  const storage = createLmdbStorage<AcceptorState>(join(dataDirectory, "acceptor.mdb"));
  const node = await createSeedNode({
    address,
    seeds,
    signer: identity,
    verify: verifyEd25519,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    crypto: nodeNoiseCrypto,
    transport,
    clock: systemClock,
    storage,
    random: createProcessRandom(),
    logger,
    wallClock: Date.now,
    ...(config.allowedKeys === undefined ? {} : { allowedKeys: config.allowedKeys }),
  });
  node.on((event) => logSeedEvent(logger, event));
  let metrics: MetricsServer | undefined;
  try {
    // Metrics first: a --metrics port in use stops the seed before it serves anyone.
    if (options.metrics !== undefined) {
      const { createSeedMetrics, startMetricsServer } = await import("@p2p/cli-support/metrics");
      const registry = createSeedMetrics({
        stats: () => node.stats(),
        members: () => node.members(),
        transportStats: () => transport.stats(),
      });
      metrics = await startMetricsServer("seed", options.metrics, registry);
    }
  } catch (error) {
    await storage.close();
    throw error;
  }
  try {
    await node.start();
  } catch (error) {
    await metrics?.close();
    await storage.close();
    throw new AppExit(EXIT.unexpected, `seed: cannot listen on ${address}: ${String(error)}`);
  }
  // config.txt: the seed list peers read, written atomically (every seed writes the same content).
  await writeSeedList(join(directory, "config.txt"), seeds);
  const restored = node.registry.inspect().acceptorKeys;
  const committed = node.members().length;
  const membership =
    config.allowedKeys === undefined
      ? "open membership"
      : `closed membership (${config.allowedKeys.length} allowed keys)`;
  logger.event(
    "info",
    "seed-started",
    { key: identity.publicKey, restored, committed, membership },
    // Restored: every record the acceptor holds; the view shows those known committed at once
    // and the rest after a quorum read.
    `seed listening; identity key ${identity.publicKey}; ${restored} records restored from ${dataDirectory} (${committed} known committed); ${membership}`,
  );
  if (metrics !== undefined) {
    const url = `http://${metrics.address}/metrics`;
    logger.event("info", "metrics-serving", { url }, `metrics at ${url}`);
  }
  process.stdout.write(`${formatReadyLine("seed", address)}\n`);
  handleProcessExit(async (signal) => {
    logger.event("info", "seed-stopping", { signal }, `stopping (${signal})`);
    await metrics?.close();
    await node.stop();
    await storage.close();
    logger.close();
  });
});

/** Logs one seed event: its JSON object in seed.log, its readable line on stdout. */
function logSeedEvent(logger: NodeLogger, event: SeedNodeEvent): void {
  switch (event.type) {
    case "member-registered": {
      const { address: peer, incarnation } = event.record;
      logger.event(
        "info",
        event.type,
        { peer, incarnation },
        `registered ${peer} (incarnation ${incarnation})`,
      );
      return;
    }
    case "member-updated": {
      const { address: peer, incarnation, neighbours } = event.record;
      logger.event(
        "debug",
        event.type,
        { peer, incarnation, neighbours },
        `updated ${peer}: neighbours ${neighbours.join(",")}`,
      );
      return;
    }
    case "member-removed": {
      const { address: peer, incarnation } = event.record;
      logger.event(
        "info",
        event.type,
        { peer, incarnation, reason: "dead" },
        `removed ${peer} (dead, incarnation ${incarnation})`,
      );
      return;
    }
    case "member-left": {
      const { address: peer, incarnation } = event.record;
      logger.event(
        "info",
        event.type,
        { peer, incarnation },
        `${peer} left (incarnation ${incarnation})`,
      );
      return;
    }
    case "dead-report-received":
      logger.event(
        "info",
        event.type,
        { suspect: event.address, from: event.from },
        `dead report about ${event.address} from ${event.from}`,
      );
      return;
    case "seed-probe-finished":
      logger.event(
        "info",
        event.type,
        { suspect: event.address, isAlive: event.isAlive },
        `probed ${event.address} myself: ${event.isAlive ? "alive" : "no answer"}`,
      );
      return;
    case "alive-vote-received":
      logger.event(
        "debug",
        event.type,
        { suspect: event.address, by: event.voter },
        `alive vote for ${event.address} from ${event.voter}`,
      );
      return;
    case "operation-completed":
      if (!event.result.ok)
        logger.event(
          "warn",
          "operation-failed",
          { peer: event.address, operation: event.operationId, reason: event.result.error.code },
          `operation on ${event.address} failed: ${event.result.error.message}`,
        );
      return;
    case "request-refused":
      return; // the node logs it (a warning naming the request, the sender and the code)
  }
}
