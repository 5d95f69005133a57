#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import {
  AppExit,
  addressArgument,
  createLineLogger,
  createNodeLogger,
  createPeerMetrics,
  createProcessRandom,
  EXIT,
  formatReadyLine,
  formatWaitingLine,
  handleProcessExit,
  keyCommandIdentity,
  type LineLogger,
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
  peerSeedList,
  runApp,
  startMetricsServer,
  verifyEd25519,
} from "@p2p/cli-support";
import { createPeerNode, type PeerNodeEvent } from "@p2p/node";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command, Option } from "commander";

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
  .argument("<ip:port>", "this peer's address (where it listens)")
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
  .addHelpText(
    "after",
    "\nOn a closed network (allowed_keys in config.yml), run `peer key <ip:port>` first and add the\nprinted key to allowed_keys on every seed.",
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
  }>();
  const address = addressArgument(program.args[0], "peer");
  const neighbourCount = Number(options.neighbours);
  if (!Number.isInteger(neighbourCount) || neighbourCount < 1 || neighbourCount > 64) {
    throw new AppExit(
      EXIT.usage,
      `peer: --neighbours must be an integer 1–64, got ${options.neighbours}`,
    );
  }
  const configPath = resolve(options.config);
  const config = await loadNetworkConfig(configPath, options.profile);
  const seeds = await peerSeedList(configPath, options.seeds, async () => config);
  const directory = dirname(configPath);
  const node = `peer ${address}`;
  // peer.log: one JSON object (or readable line) per event; stdout: the readable lines.
  const logger = createNodeLogger({
    path: join(directory, "peer.log"),
    node,
    level: options.logLevel,
    format: options.logFormat,
    screen: process.stdout,
  });
  // outputfile.txt: delivered messages and dead reports, whole lines naming this peer.
  const output = createLineLogger({ path: join(directory, "outputfile.txt"), node });

  // The peer keeps its identity key across restarts, so `revive` re-registers the same identity.
  const signer = loadIdentity(nodeDataDirectory(config.dataDir, "peer", address));

  const transport = createTcpTransport({ logger });
  const peer = createPeerNode({
    address,
    seeds,
    transport,
    clock: systemClock,
    random: createProcessRandom(),
    logger,
    timing: config.timing,
    wallClock: Date.now,
    neighbourCount,
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
  // Metrics first: a --metrics port in use stops the peer before it registers.
  const metrics =
    options.metrics === undefined
      ? undefined
      : await startMetricsServer(
          "peer",
          options.metrics,
          createPeerMetrics({
            inspect: () => peer.inspect(),
            transportStats: () => transport.stats(),
          }),
        );
  if (metrics !== undefined) {
    const url = `http://${metrics.address}/metrics`;
    logger.event("info", "metrics-serving", { url }, `metrics at ${url}`);
  }
  handleProcessExit(async (signal) => {
    logger.event("info", "peer-stopping", { signal }, `stopping (${signal})`);
    await metrics?.close();
    if (signal === "SIGTERM" || signal === "SIGINT") await peer.leave();
    else await peer.stop();
    logger.close();
    output.close();
  });
  try {
    await peer.start();
  } catch (error) {
    throw new AppExit(
      EXIT.unexpected,
      `peer: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.stdout.write(`${formatReadyLine("peer", address)}\n`);
});

/**
 * Logs one peer event: its JSON object in peer.log and its readable line on stdout; a
 * delivered message and a `Dead Node:` report also get their line in outputfile.txt.
 */
function logPeerEvent(logger: NodeLogger, output: LineLogger, event: PeerNodeEvent): void {
  switch (event.type) {
    case "registration-refused": {
      const { message: reason, retryInMs } = event;
      logger.event(
        "info",
        event.type,
        { reason, retryInMs },
        `registration refused: ${reason}; retrying in ${retryInMs / 1000} s`,
      );
      return;
    }
    case "registered": {
      const { incarnation } = event.record;
      const seeds = event.seeds;
      logger.event(
        "info",
        event.type,
        { incarnation, seeds },
        `registered (incarnation ${incarnation}) with ${seeds.join(", ")}`,
      );
      return;
    }
    case "peer-list":
      logger.event(
        "info",
        event.type,
        { seeds: event.seeds, members: event.members },
        `peer list from ${event.seeds.join(", ")}: ${event.members.join(", ") || "(none)"}`,
      );
      return;
    case "neighbours-changed":
      logger.event(
        "info",
        event.type,
        { neighbours: event.neighbours },
        `neighbours: ${event.neighbours.join(", ") || "(none)"}`,
      );
      return;
    case "message-delivered": {
      const { from, origin, id, hops, text } = event;
      const line = `received from ${from} (origin ${origin}): ${text}`;
      logger.event("info", event.type, { from, origin, id, hops, text }, line);
      output.info(line);
      return;
    }
    case "message-published":
      logger.event(
        "info",
        event.type,
        { id: event.id, text: event.text },
        `published ${event.text}`,
      );
      return;
    case "peer-suspected":
      logger.event(
        "info",
        event.type,
        { suspect: event.suspect },
        `suspect ${event.suspect}: asking its neighbours to vote`,
      );
      return;
    case "suspicion-cleared":
      logger.event(
        "info",
        event.type,
        { suspect: event.suspect, by: event.by },
        `${event.suspect} is alive (vote from ${event.by})`,
      );
      return;
    case "dead-reported":
      logger.event("info", event.type, { suspect: event.suspect, line: event.line }, event.line);
      output.info(event.line);
      return;
    case "member-removed":
      logger.event("info", event.type, { peer: event.address }, `seeds removed ${event.address}`);
      return;
    case "rejoined":
      logger.event(
        "info",
        event.type,
        { incarnation: event.incarnation },
        `removed while alive; re-registered as incarnation ${event.incarnation}`,
      );
      return;
    case "left":
      logger.event("info", event.type, {}, "left the network");
      return;
  }
}
