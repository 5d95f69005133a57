import { existsSync } from "node:fs";
import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { PEER_PROCESS_FLAGS } from "@p2p/cli-support";
import { describe, expect, it } from "vitest";
import { nodeCommand } from "./node-command.js";

describe("nodeCommand", () => {
  it("runs apps/<role>/src/main.ts through tsx with the source condition", () => {
    const command = nodeCommand("seed", "127.0.0.1:5000", {
      configPath: "/etc/p2p/config.yml",
      repositoryRoot: fileURLToPath(new URL("../../../", import.meta.url)),
    });
    expect(command.command).toBe(process.execPath);
    const [importFlag, loader, conditions, main, ...rest] = command.args;
    expect(importFlag).toBe("--import");
    expect(loader).toMatch(/^file:\/\/.*\/tsx\/.*\.mjs$/);
    expect(existsSync(fileURLToPath(loader ?? ""))).toBe(true);
    expect(conditions).toBe("--conditions=@p2p/source");
    expect(main).toMatch(/apps\/seed\/src\/main\.ts$/);
    expect(rest).toEqual(["127.0.0.1:5000", "--config", "/etc/p2p/config.yml"]);
    expect(command.env).toEqual({ P2P_EXIT_WITH_STDIN: "1" });
  });

  it("starts a peer with the peer's V8 flags, a seed without", () => {
    const options = {
      configPath: "config.yml",
      repositoryRoot: fileURLToPath(new URL("../../../", import.meta.url)),
    };
    const peer = nodeCommand("peer", "127.0.0.1:6001", options).args;
    expect(peer.slice(0, PEER_PROCESS_FLAGS.length)).toEqual(PEER_PROCESS_FLAGS);
    expect(peer[PEER_PROCESS_FLAGS.length]).toBe("--import");
    expect(nodeCommand("seed", "127.0.0.1:5000", options).args[0]).toBe("--import");
  });

  it("passes the profile and runs an injected program instead", () => {
    const command = nodeCommand("peer", "127.0.0.1:6001", {
      configPath: "config.yml",
      profile: "fast",
      program: "/tmp/fake.mjs",
    });
    expect(command.args).toEqual([
      "--max-semi-space-size=1",
      "/tmp/fake.mjs",
      "peer",
      "127.0.0.1:6001",
      "--config",
      resolve("config.yml"),
      "--profile",
      "fast",
    ]);
  });
});
