import { createRequire } from "node:module";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { EXIT_WITH_STDIN_VARIABLE, PEER_PROCESS_FLAGS } from "@p2p/cli-support";
import type { TimingProfileName } from "@p2p/node";

/** The two kinds of node the starter runs. */
export type NodeRole = "seed" | "peer";

/** How to start one node process: program, arguments and extra environment. */
export interface NodeCommand {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** Options of {@link nodeCommand}. */
export interface NodeCommandOptions {
  /** The config.yml every node reads (made absolute). */
  readonly configPath: string;
  /** Passed on as `--profile <name>` when set. */
  readonly profile?: TimingProfileName;
  /**
   * Run this script (with `process.execPath`) instead of apps/<role>/src/main.ts; it gets
   * `<role> <address> --config <path> [--profile <name>]`. Used by tests and custom builds.
   */
  readonly program?: string;
  /** The repository root holding apps/ (default: found from this file). */
  readonly repositoryRoot?: string;
}

/** Environment every child gets: it exits when its stdin pipe closes (the starter died). */
export const CHILD_ENVIRONMENT: Readonly<Record<string, string>> = Object.freeze({
  [EXIT_WITH_STDIN_VARIABLE]: "1",
});

const defaultRepositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");

/**
 * The command that starts a node: `node [flags] --import tsx --conditions=@p2p/source
 * apps/<role>/src/main.ts <address> --config <path> [--profile <name>]`, with
 * `P2P_EXIT_WITH_STDIN=1` in the environment; a peer's flags are `PEER_PROCESS_FLAGS`.
 */
export function nodeCommand(
  role: NodeRole,
  address: string,
  options: NodeCommandOptions,
): NodeCommand {
  const tail = [address, "--config", resolve(options.configPath)];
  if (options.profile !== undefined) tail.push("--profile", options.profile);
  const flags = role === "peer" ? PEER_PROCESS_FLAGS : [];
  if (options.program !== undefined) {
    return {
      command: process.execPath,
      args: [...flags, resolve(options.program), role, ...tail],
      env: CHILD_ENVIRONMENT,
    };
  }
  const root = options.repositoryRoot ?? defaultRepositoryRoot;
  const loader = pathToFileURL(createRequire(join(root, "package.json")).resolve("tsx")).href;
  return {
    command: process.execPath,
    args: [
      ...flags,
      "--import",
      loader,
      "--conditions=@p2p/source",
      join(root, "apps", role, "src", "main.ts"),
      ...tail,
    ],
    env: CHILD_ENVIRONMENT,
  };
}
