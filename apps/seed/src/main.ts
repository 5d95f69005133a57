#!/usr/bin/env node
// `seed <ip>:<port> [--config config.yml] [--profile default|fast]`: one seed of the member directory.
// `seed key <ip>:<port>`: make (or show) that seed's identity key and print its config lines.
import { randomBytes } from "node:crypto";
import { mkdirSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import {
  AppExit,
  addressArgument,
  createLineLogger,
  createProcessRandom,
  EXIT,
  formatReadyLine,
  handleProcessExit,
  keyCommandIdentity,
  loadIdentity,
  loadNetworkConfig,
  nodeDataDirectory,
  packageVersion,
  parseCommandLine,
  parseNodeAddress,
  pinnedSeeds,
  runApp,
  verifyEd25519,
  writeSeedList,
} from "@p2p/cli-support";
import { createSeedNode, type SeedNodeEvent } from "@p2p/node";
import type { AcceptorState } from "@p2p/quorum";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command, Option } from "commander";
import { createLmdbStorage } from "./storage/lmdb-storage.js";

const keyProgram = new Command("seed key")
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

const program = new Command("seed")
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
  const logger = createLineLogger({
    path: join(directory, "seed.log"),
    node: `seed ${address}`,
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
  const storage = createLmdbStorage<AcceptorState>(join(dataDirectory, "acceptor.mdb"));
  const node = await createSeedNode({
    address,
    seeds,
    signer: identity,
    verify: verifyEd25519,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    crypto: nodeNoiseCrypto,
    transport: createTcpTransport({ logger }),
    clock: systemClock,
    storage,
    random: createProcessRandom(),
    logger,
    wallClock: Date.now,
    ...(config.allowedKeys === undefined ? {} : { allowedKeys: config.allowedKeys }),
  });
  node.on((event) => logSeedEvent(logger, event));
  try {
    await node.start();
  } catch (error) {
    await storage.close();
    throw new AppExit(EXIT.unexpected, `seed: cannot listen on ${address}: ${String(error)}`);
  }
  // config.txt: the seed list peers read, written atomically (every seed writes the same content).
  await writeSeedList(join(directory, "config.txt"), seeds);
  logger.info(
    // Restored: every record the acceptor holds; the view shows those known committed at once
    // and the rest after a quorum read.
    `seed listening; identity key ${identity.publicKey}; ${node.registry.inspect().acceptorKeys} records restored from ${dataDirectory} (${node.members().length} known committed); ` +
      (config.allowedKeys === undefined
        ? "open membership"
        : `closed membership (${config.allowedKeys.length} allowed keys)`),
  );
  process.stdout.write(`${formatReadyLine("seed", address)}\n`);
  handleProcessExit(async (signal) => {
    logger.info(`stopping (${signal})`);
    await node.stop();
    await storage.close();
    logger.close();
  });
});

function logSeedEvent(logger: ReturnType<typeof createLineLogger>, event: SeedNodeEvent): void {
  switch (event.type) {
    case "member-registered":
      logger.info(`registered ${event.record.address} (incarnation ${event.record.incarnation})`);
      return;
    case "member-updated":
      logger.debug(
        `updated ${event.record.address}: neighbours ${event.record.neighbours.join(",")}`,
      );
      return;
    case "member-removed":
      logger.info(
        `removed ${event.record.address} (dead, incarnation ${event.record.incarnation})`,
      );
      return;
    case "member-left":
      logger.info(`${event.record.address} left (incarnation ${event.record.incarnation})`);
      return;
    case "dead-report-received":
      logger.info(`dead report about ${event.address} from ${event.from}`);
      return;
    case "seed-probe-finished":
      logger.info(`probed ${event.address} myself: ${event.isAlive ? "alive" : "no answer"}`);
      return;
    case "operation-completed":
      if (!event.result.ok)
        logger.warn(`operation on ${event.address} failed: ${event.result.error.message}`);
      return;
  }
}
