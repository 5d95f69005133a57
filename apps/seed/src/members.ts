#!/usr/bin/env node
// `members [--seeds config.txt] [--config config.yml] [--json]`: asks every running seed for its view.
import { resolve } from "node:path";
import {
  AppExit,
  createProcessRandom,
  EXIT,
  formatMembersReport,
  loadNetworkConfig,
  packageVersion,
  parseCommandLine,
  peerSeedList,
  queryMembers,
  runApp,
} from "@p2p/cli-support";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { Command } from "commander";

const program = new Command("p2p-members")
  .version(packageVersion(import.meta.url))
  .description("Ask each running seed for its member list and say whether the seeds agree.")
  .option("-c, --config <path>", "the network's config.yml", "config.yml")
  .option(
    "-s, --seeds <path>",
    "seed list file (default: config.txt beside config.yml, else config.yml)",
  )
  .option("--json", "print the answers as JSON")
  .option("-t, --timeout <ms>", "how long to wait for each seed", "3000")
  .exitOverride()
  .configureOutput({ writeErr: (text) => process.stderr.write(text) });

await runApp("members", async () => {
  parseCommandLine(program);
  const options = program.opts<{
    config: string;
    seeds?: string;
    json?: boolean;
    timeout: string;
  }>();
  const timeoutMs = Number(options.timeout);
  if (!Number.isInteger(timeoutMs) || timeoutMs <= 0) {
    throw new AppExit(
      EXIT.usage,
      `members: --timeout must be a positive integer, got ${options.timeout}`,
    );
  }
  const configPath = resolve(options.config);
  const seeds = await peerSeedList(configPath, options.seeds, () =>
    loadNetworkConfig(configPath, undefined),
  );
  const report = await queryMembers({
    seeds,
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs,
  });
  const text = options.json
    ? `${JSON.stringify(report, null, 2)}\n`
    : `${formatMembersReport(report).join("\n")}\n`;
  // Exit only once the whole report is written (a large one outlasts one write to a pipe).
  await new Promise<void>((done) => process.stdout.write(text, () => done()));
  if (!report.answers.some((answer) => answer.ok)) {
    throw new AppExit(
      EXIT.unavailable,
      `members: no seed answered within ${timeoutMs} ms (asked ${seeds.map((seed) => seed.address).join(", ")})`,
    );
  }
  process.exit(EXIT.ok);
});
