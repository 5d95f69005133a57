import type { NetworkConfig } from "@p2p/cli-support";
import type { NetworkClient } from "./network-client.js";
import type { NodeCommand, NodeRole } from "./node-command.js";
import type { NodeProcess, StartNodeProcessOptions } from "./node-process.js";

/**
 * Where a managed node is in its life. `waiting`: up, but not ready yet by its own account (a
 * peer whose seeds have no majority); it is left running and joins when it can.
 */
export type NodeState =
  | "starting"
  | "waiting"
  | "running"
  | "stopping"
  | "stopped"
  | "killed"
  | "exited";

/** A read-only view of one managed node. */
export interface NodeView {
  readonly role: NodeRole;
  readonly address: string;
  readonly port: number;
  /** PID of the current (or last) process. */
  readonly pid: number | undefined;
  readonly state: NodeState;
}

/** What the prompt should do after a command. */
export type CommandOutcome = "continue" | "exit";

/** Options of {@link createManager}. */
export interface ManagerOptions {
  readonly config: NetworkConfig;
  readonly configPath: string;
  /** Builds the command that starts a node (see `nodeCommand`). */
  readonly commandFor: (role: NodeRole, address: string) => NodeCommand;
  /** Prints a line for the user (command results and the children's notable output). */
  readonly print: (line: string) => void;
  /** Prints a problem line (failed commands, the children's stderr). */
  readonly printError: (line: string) => void;
  /** Answers `members` and `topology` (default: not available). */
  readonly networkClient?: NetworkClient;
  /**
   * How long a node may take to print its ready line, or the line saying it waits (default
   * 30 000 ms). A waiting node is left running without a limit.
   */
  readonly readyTimeoutMs?: number;
  /** How long a node may take to exit after SIGTERM before it gets SIGKILL (default 5000 ms). */
  readonly graceMs?: number;
  /** Keep the seeds' data from an earlier run instead of starting a fresh network. */
  readonly keepData?: boolean;
  /**
   * Starts one node (default `startNodeProcess`: a process of its own); the starter passes
   * one that puts peers several to a process with `--peers-per-process`.
   */
  readonly startNode?: (options: StartNodeProcessOptions) => NodeProcess;
  /** Working directory of the children (default: the starter's). */
  readonly cwd?: string;
  /** Show every line the nodes print from the start (default: only notable ones; `verbose on`). */
  readonly verbose?: boolean;
  /** Sees every stdout line of every node, shown or not (the web view takes `Dead Node:` lines). */
  readonly onNodeLine?: (
    node: { readonly role: NodeRole; readonly address: string },
    line: string,
  ) => void;
}

/** The process manager behind the `manager>` prompt. */
export interface Manager {
  /**
   * Starts the seeds, waits until each is ready, then starts the initial peers on free ports.
   * Throws a P2pError (`SEED_PORT_UNAVAILABLE`, `NODE_NOT_READY`, `NO_FREE_PORT`) on failure;
   * call {@link Manager.shutdown} afterwards either way.
   */
  start(): Promise<void>;
  /** Runs one prompt line (`add`, `kill 6001`, `list`…). Never throws for a user mistake. */
  execute(line: string): Promise<CommandOutcome>;
  /** Stops every child (peers first, then seeds): SIGTERM, then SIGKILL after the grace period. */
  shutdown(): Promise<void>;
  /** The managed nodes: seeds in config order, then peers by port. */
  list(): readonly NodeView[];
}
