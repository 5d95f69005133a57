import { defineConfig } from "tsup";

export default defineConfig({
  entry: {
    index: "src/index.ts",
    tcp: "src/tcp.ts",
    "testing/transport-contract": "src/testing/transport-contract.ts",
    "testing/transcript": "src/testing/transcript.ts",
  },
  format: ["esm"],
  dts: true,
  sourcemap: true,
  clean: true,
  target: "node20",
  external: ["vitest"],
});
