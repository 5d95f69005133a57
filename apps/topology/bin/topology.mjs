#!/usr/bin/env node
// The `topology` command: runs the built app (`pnpm build` first); from a checkout,
// `pnpm topology` runs the TypeScript sources directly.
try {
  await import("../dist/bin.js");
} catch (error) {
  if (error?.code === "ERR_MODULE_NOT_FOUND" && String(error.message).includes("/dist/bin.js")) {
    process.stderr.write(
      "p2p-topology: not built yet; run `pnpm build` (or `pnpm topology` from the repository)\n",
    );
    process.exit(1);
  }
  throw error;
}
