import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { PEER_PROCESS_FLAGS } from "@p2p/cli-support";
import { describe, expect, it } from "vitest";

const BIN = fileURLToPath(new URL("../bin/peer.mjs", import.meta.url));

describe("the p2p-peer bin", () => {
  it("runs node with the peer's V8 flags from its #! line", () => {
    const [shebang] = readFileSync(BIN, "utf8").split("\n");
    expect(shebang).toBe(`#!/usr/bin/env -S node ${PEER_PROCESS_FLAGS.join(" ")}`);
  });

  it.runIf(process.platform === "linux")("starts through its #! line", () => {
    // `--help` needs the built dist; without it the bin says how to build, through the same #! line.
    const result = spawnSync(BIN, ["--help"], { encoding: "utf8", timeout: 30_000 });
    expect(result.error).toBeUndefined();
    expect(`${result.stdout}${result.stderr}`).toMatch(/Usage: p2p-peer|not built yet/);
  });
});
