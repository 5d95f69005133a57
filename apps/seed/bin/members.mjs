#!/usr/bin/env node
// The `members` command: runs the built app (`pnpm build` first); from a checkout,
// `pnpm members` runs the TypeScript sources directly.
try {
  await import("../dist/members.js");
} catch (error) {
  if (
    error?.code === "ERR_MODULE_NOT_FOUND" &&
    String(error.message).includes("/dist/members.js")
  ) {
    process.stderr.write(
      "p2p-members: not built yet; run `pnpm build` (or `pnpm members` from the repository)\n",
    );
    process.exit(1);
  }
  throw error;
}
