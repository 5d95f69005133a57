import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    tcp: "src/tcp.ts",
    "node-crypto": "src/node-crypto.ts",
    "testing/index": "src/testing/index.ts",
    "testing/transcript": "src/testing/transcript.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: ["vitest"],
});
