import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { timingProfiles } from "@p2p/node";
import { afterEach, describe, expect, it } from "vitest";
import { loadNetworkConfig } from "./app-runtime.js";

let directory = "";
afterEach(async () => {
  if (directory !== "") await rm(directory, { recursive: true, force: true });
});

describe("loadNetworkConfig", () => {
  it("applies config.yml's timing overrides on top of a --profile that replaces the file's profile", async () => {
    directory = await mkdtemp(join(tmpdir(), "p2p-runtime-"));
    const path = join(directory, "config.yml");
    await writeFile(
      path,
      "seeds:\n  - { ip: 127.0.0.1, port: 5000 }\npeer_port_range: { start: 6000, end: 6010 }\n" +
        "profile: default\ntiming:\n  gossip_message_count: 1000\n",
    );
    const fast = await loadNetworkConfig(path, "fast");
    expect(fast.timing.gossipMessageCount).toBe(1000);
    expect(fast.timing.pingIntervalMs).toBe(timingProfiles.fast.pingIntervalMs);
    const asWritten = await loadNetworkConfig(path, undefined);
    expect(asWritten.timing.gossipMessageCount).toBe(1000);
    expect(asWritten.timing.pingIntervalMs).toBe(timingProfiles.default.pingIntervalMs);
  });
});
