#!/usr/bin/env node
// The `seed` command: runs the built app (`pnpm build` first); from a checkout,
// `pnpm seed` runs the TypeScript sources directly.
try {
  await import("../dist/main.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("/dist/main.js")) {
    process.stderr.write(
      "p2p-seed: not built yet; run `pnpm build` (or `pnpm seed` from the repository)\n",
    );
    process.exit(1);
  }
  throw error;
}
