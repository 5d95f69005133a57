import { defineProject } from "vitest/config";

const conditions = ["@p2p/source", "import", "module", "node", "default"];

export default defineProject({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "@p2p/node",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: [
      "src/**/*.test.ts",
      "test/**/*.test.ts",
      "examples/**/*.test.ts",
      "bench/**/*.test.ts",
    ],
  },
});
