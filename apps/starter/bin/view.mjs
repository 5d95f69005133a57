#!/usr/bin/env node
// The `p2p-view` command: runs the built app (`pnpm build` first); from a checkout,
// `pnpm view` runs the sources.
import { existsSync } from "node:fs";

const built = new URL("../dist/view-main.js", import.meta.url);
if (!existsSync(built)) {
  process.stderr.write(
    "p2p-view: not built yet; run `pnpm build` (or `pnpm view` from the repository)\n",
  );
  process.exit(1);
}
await import(built.href);
