#!/usr/bin/env node
// `p2p-view [--config config.yml] [--seeds config.txt] [--host 127.0.0.1] [--port 7070]`:
// a live web view of a running network, from its seed list alone.
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import {
  AppExit,
  EXIT,
  handleProcessExit,
  loadNetworkConfig,
  type NetworkConfig,
  packageVersion,
  parseCommandLine,
  peerSeedList,
  runApp,
  type SeedListEntry,
} from "@p2p/cli-support";
import { P2pError } from "@p2p/wire";
import { Command } from "commander";
import { DEFAULT_VIEW_PORT, startViewServer, type ViewServerErrorCode } from "./view/index.js";

const program = new Command("p2p-view")
  .version(packageVersion(import.meta.url))
  .description(
    "Serve a live web view of a running network: seeds, members, overlay, degree\n" +
      "distribution and recent events, polled from every seed about once a second.",
  )
  .option("-c, --config <path>", "the network's config.yml", "config.yml")
  .option(
    "-s, --seeds <path>",
    "seed list file (default: config.txt beside config.yml, else config.yml)",
  )
  .option("--host <ip>", "interface to serve the page on", "127.0.0.1")
  .option(
    "-p, --port <port>",
    "port to serve the page on (0: any free port)",
    String(DEFAULT_VIEW_PORT),
  )
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

await runApp("p2p-view", async () => {
  parseCommandLine(program);
  const options = program.opts<{ config: string; seeds?: string; host: string; port: string }>();
  const port = Number(options.port);
  if (!/^\d+$/.test(options.port) || port > 65_535) {
    throw new AppExit(
      EXIT.usage,
      `p2p-view: --port must be an integer 0–65535, got ${options.port}`,
    );
  }
  const configPath = resolve(options.config);
  const isConfigNamed = program.getOptionValueSource("config") === "cli";
  let config: NetworkConfig | undefined;
  if (existsSync(configPath) || isConfigNamed || options.seeds === undefined) {
    try {
      config = await loadNetworkConfig(configPath, undefined);
    } catch (error) {
      // With --seeds, a config.yml that merely lies in the directory is not needed.
      if (isConfigNamed || options.seeds === undefined) throw error;
    }
  }
  const loadSeeds = () =>
    peerSeedList(configPath, options.seeds, async () => {
      if (config === undefined) return loadNetworkConfig(configPath, undefined);
      return config;
    });
  // The seed list is read again before every poll (a restarted network writes a new
  // config.txt); when a read fails, the last good list stays in use.
  let seeds: readonly SeedListEntry[] = await loadSeeds();
  const currentSeeds = async (): Promise<readonly SeedListEntry[]> => {
    try {
      seeds = await loadSeeds();
    } catch {
      // keep the last good list
    }
    return seeds;
  };
  let view: Awaited<ReturnType<typeof startViewServer>>;
  try {
    view = await startViewServer({
      seeds: currentSeeds,
      host: options.host,
      port,
      ...(config === undefined ? {} : { config }),
    });
  } catch (error) {
    if (P2pError.is<ViewServerErrorCode>(error, "VIEW_PORT_IN_USE")) {
      throw new AppExit(EXIT.unavailable, `p2p-view: ${error.message}; choose another --port`);
    }
    if (P2pError.is<ViewServerErrorCode>(error, "VIEW_ADDRESS_UNAVAILABLE")) {
      throw new AppExit(EXIT.config, `p2p-view: ${error.message}; choose another --host`);
    }
    throw error;
  }
  process.stdout.write(`web view: ${view.url}\n`);
  handleProcessExit(() => view.close());
});
