#!/usr/bin/env node
import { randomBytes } from "node:crypto";
import { dirname, join, resolve } from "node:path";
import {
  AppExit,
  addressArgument,
  createLineLogger,
  createProcessRandom,
  EXIT,
  formatReadyLine,
  formatWaitingLine,
  handleProcessExit,
  keyCommandIdentity,
  loadIdentity,
  loadNetworkConfig,
  nodeDataDirectory,
  packageVersion,
  parseCommandLine,
  peerSeedList,
  runApp,
  verifyEd25519,
} from "@p2p/cli-support";
import { createPeerNode } from "@p2p/node";
import { systemClock } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command, Option } from "commander";

const keyProgram = new Command("peer key")
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

const program = new Command("peer")
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
  const logger = createLineLogger({ path: join(directory, "peer.log"), node: `peer ${address}` });
  // outputfile.txt: delivered messages and dead reports, whole lines naming this peer.
  const output = createLineLogger({
    path: join(directory, "outputfile.txt"),
    node: `peer ${address}`,
    screen: process.stdout,
  });
  const say = (line: string): void => {
    output.info(line);
  };

  // The peer keeps its identity key across restarts, so `revive` re-registers the same identity.
  const signer = loadIdentity(nodeDataDirectory(config.dataDir, "peer", address));

  const node = createPeerNode({
    address,
    seeds,
    transport: createTcpTransport({ logger }),
    clock: systemClock,
    random: createProcessRandom(),
    logger,
    timing: config.timing,
    wallClock: Date.now,
    neighbourCount,
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
  node.on((event) => {
    switch (event.type) {
      case "registration-refused":
        // No majority of seeds took the registration: the peer says so, keeps trying, and
        // tells the starter it waits (once per distinct reason).
        say(`registration refused: ${event.message}; retrying in ${event.retryInMs / 1000} s`);
        showWaiting(event.message.replace(/^registration of \S+ failed: /, ""));
        return;
      case "registered":
        logger.info(
          `registered (incarnation ${event.record.incarnation}) with ${event.seeds.join(", ")}`,
        );
        return;
      case "peer-list":
        say(`peer list from ${event.seeds.join(", ")}: ${event.members.join(", ") || "(none)"}`);
        return;
      case "neighbours-changed":
        say(`neighbours: ${event.neighbours.join(", ") || "(none)"}`);
        return;
      case "message-delivered":
        say(
          `${new Date().toLocaleTimeString()} received from ${event.from} (origin ${event.origin}): ${event.text}`,
        );
        return;
      case "message-published":
        logger.info(`published ${event.text}`);
        return;
      case "peer-suspected":
        logger.info(`suspect ${event.suspect}: asking its neighbours to vote`);
        return;
      case "suspicion-cleared":
        logger.info(`${event.suspect} is alive (vote from ${event.by})`);
        return;
      case "dead-reported":
        say(event.line);
        return;
      case "member-removed":
        logger.info(`seeds removed ${event.address}`);
        return;
      case "rejoined":
        say(`removed while alive; re-registered as incarnation ${event.incarnation}`);
        return;
      case "left":
        say("left the network");
        return;
    }
  });
  handleProcessExit(async (signal) => {
    if (signal === "SIGTERM" || signal === "SIGINT") await node.leave();
    else await node.stop();
    logger.close();
    output.close();
  });
  try {
    await node.start();
  } catch (error) {
    throw new AppExit(
      EXIT.unexpected,
      `peer: ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  process.stdout.write(`${formatReadyLine("peer", address)}\n`);
});
