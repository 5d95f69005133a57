#!/usr/bin/env -S node --max-semi-space-size=1
// The `peer` command: runs the built app (`pnpm build` first); from a checkout,
// `pnpm peer` runs the TypeScript sources directly.
try {
  await import("../dist/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("/dist/main.js")) {
    process.stderr.write(
      "p2p-peer: not built yet; run `pnpm build` (or `pnpm peer` from the repository)\n",
    );
    process.exit(1);
  }
  throw error;
}
