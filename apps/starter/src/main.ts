#!/usr/bin/env node
// `starter [config.yml]`: starts a p2p network on this machine and opens the manager prompt.
import { runStarter } from "./cli.js";

try {
  process.exit(await runStarter(process.argv.slice(2)));
} catch (error) {
  process.stderr.write(
    `starter: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`,
  );
  process.exit(1);
}
