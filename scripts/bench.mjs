#!/usr/bin/env node
// `pnpm bench`: runs every package's benchmark (a `bench` script), one after another.
import { spawnSync } from "node:child_process";

const result = spawnSync(
  "pnpm",
  ["-r", "--workspace-concurrency=1", "--if-present", "run", "bench"],
  {
    stdio: "inherit",
  },
);
process.exit(result.status ?? 1);
