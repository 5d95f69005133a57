import { defineConfig } from "vitest/config";

// One root config; each package and app is a project. Tests resolve sibling packages
// to their TypeScript sources through the "@p2p/source" export condition, so nothing
// has to be built before the tests run.
const conditions = ["@p2p/source", "import", "module", "node", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["@p2p/source"] } },
  test: {
    projects: [
      "packages/*",
      "apps/*",
      { test: { name: "scripts", include: ["scripts/**/*.test.mjs"], environment: "node" } },
      { test: { name: "bench", include: ["bench/**/*.test.ts"], environment: "node" } },
    ],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: "forks",
  },
});
