import { rm } from "node:fs/promises";
import { formatNodeAddress, nodeDataDirectory, parseNodeAddress } from "@p2p/cli-support";
import { assertNever, P2pError } from "@p2p/wire";
import type {
  CommandOutcome,
  Manager,
  ManagerOptions,
  NodeState,
  NodeView,
} from "./manager-types.js";
import { unavailableNetworkClient } from "./network-client.js";
import type { NodeRole } from "./node-command.js";
import { describeExit, type NodeProcess, startNodeProcess } from "./node-process.js";
import { formatNodeTable } from "./node-table.js";
import { createOutputFilter } from "./output-filter.js";
import { checkPort, findFreePort } from "./ports.js";

export type { CommandOutcome, Manager, ManagerOptions, NodeState, NodeView };

import { settleWithin } from "./settle.js";

/** The prompt's commands, as `help` prints them. */
export const HELP_LINES: readonly string[] = [
  "commands:",
  "  add             start a new peer on a free port from peer_port_range",
  "  kill <port>     crash a seed or peer (SIGKILL)",
  "  stop <port>     stop a seed or peer gracefully (SIGTERM: the peer leaves the network)",
  "  revive <port>   restart a killed or stopped node on its port (a seed keeps its data)",
  "  list            show every node with its PID and state (waiting: up, not joined yet)",
  "  members         each seed's member list and whether the seeds agree",
  "  topology        degree statistics of the live overlay",
  "  verbose on|off  show every line the nodes print, or only joins, removals and problems",
  "  help            show this list",
  "  exit            stop every node and quit (also Ctrl-C or end of input)",
];

interface Entry {
  readonly role: NodeRole;
  readonly address: string;
  readonly ip: string;
  readonly port: number;
  state: NodeState;
  process: NodeProcess | undefined;
}

const LIVE_STATES: ReadonlySet<NodeState> = new Set(["starting", "waiting", "running", "stopping"]);

/** Creates the manager for one network. Nothing starts until {@link Manager.start}. */
export function createManager(options: ManagerOptions): Manager {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const graceMs = options.graceMs ?? 5000;
  const networkClient = options.networkClient ?? unavailableNetworkClient;
  const entries = new Map<string, Entry>();
  let shutdownPromise: Promise<void> | undefined;
  let isVerbose = options.verbose === true;
  const outputFilter = createOutputFilter({ isVerbose: () => isVerbose });
  const onOutputLine = (entry: Entry, line: string): void => {
    options.onNodeLine?.(entry, line);
    const disposition = outputFilter.classify(line);
    if (disposition === "show") options.print(line);
    else if (disposition === "problem") options.printError(line);
  };

  const sortedEntries = (): Entry[] => {
    const seeds = options.config.seeds
      .map((address) => entries.get(address))
      .filter((entry): entry is Entry => entry !== undefined);
    const peers = [...entries.values()]
      .filter((entry) => entry.role === "peer")
      .sort((left, right) => left.port - right.port || compare(left.address, right.address));
    return [...seeds, ...peers];
  };

  const addEntry = (role: NodeRole, address: string): Entry => {
    const endpoint = parseNodeAddress(address);
    if (!endpoint.ok) {
      throw new P2pError("ADDRESS_INVALID", `${address} is not an ip:port address`, {
        cause: endpoint.error,
      });
    }
    const entry: Entry = { role, address, ...endpoint.value, state: "stopped", process: undefined };
    entries.set(address, entry);
    return entry;
  };

  const onExit = (entry: Entry, child: NodeProcess, detail: string): void => {
    if (entry.process !== child) return;
    switch (entry.state) {
      case "stopping":
        entry.state = "stopped";
        return;
      case "killed":
      case "stopped":
      case "exited":
        return;
      case "running":
      case "waiting":
        entry.state = "exited";
        if (shutdownPromise === undefined) options.printError(`${label(entry)} ${detail}`);
        return;
      case "starting":
        entry.state = "exited";
        return;
      default:
        assertNever(entry.state, "node state");
    }
  };

  /**
   * Starts the entry's process and waits for its ready line, or for the line saying it waits
   * (then it stays up as `waiting`, becomes `running` when its ready line comes, and the reason
   * is returned).
   */
  const launch = async (entry: Entry): Promise<string | undefined> => {
    if (shutdownPromise !== undefined) {
      throw new P2pError("SHUTTING_DOWN", `not starting ${label(entry)}: shutting down`);
    }
    entry.state = "starting";
    const child = (options.startNode ?? startNodeProcess)({
      role: entry.role,
      address: entry.address,
      command: options.commandFor(entry.role, entry.address),
      onOutputLine: (line) => onOutputLine(entry, line),
      onErrorLine: (line) => options.printError(`[${label(entry)}] ${line}`),
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
    });
    entry.process = child;
    void child.exited.then((exit) => onExit(entry, child, describeExit(exit)));
    child.ready.then(
      () => {
        if (entry.process !== child || entry.state !== "waiting") return;
        entry.state = "running";
        options.print(`${label(entry)} joined (pid ${child.pid})`);
      },
      () => {}, // a child that exits first is reported by onExit
    );
    const outcome = await settleWithin(
      Promise.race([child.ready.then(() => undefined), child.waiting]),
      readyTimeoutMs,
    );
    if (outcome.status === "fulfilled") {
      if (entry.state === "starting")
        entry.state = outcome.value === undefined ? "running" : "waiting";
      return outcome.value;
    }
    const reason =
      outcome.status === "timeout"
        ? `printed no ready line within ${readyTimeoutMs} ms`
        : errorMessage(outcome.reason);
    if (!child.hasExited()) {
      child.signal("SIGKILL");
      await child.exited;
    }
    if (entry.state === "starting") entry.state = "exited";
    throw new P2pError("NODE_NOT_READY", `${label(entry)} ${reason}`);
  };

  /** Ends the entry's process: SIGKILL at once, or SIGTERM then SIGKILL after the grace period. */
  const terminate = async (entry: Entry, how: "kill" | "stop"): Promise<void> => {
    const child = entry.process;
    if (child === undefined || child.hasExited()) return;
    if (how === "kill") {
      entry.state = "killed";
      child.signal("SIGKILL");
      await child.exited;
      return;
    }
    entry.state = "stopping";
    child.signal("SIGTERM");
    const outcome = await settleWithin(child.exited, graceMs);
    if (outcome.status === "timeout") {
      options.printError(`${label(entry)} did not exit within ${graceMs} ms; sending SIGKILL`);
      child.signal("SIGKILL");
      await child.exited;
    }
  };

  const launchAll = async (group: readonly Entry[]): Promise<void> => {
    const results = await Promise.allSettled(
      group.map(async (entry) => {
        options.print(startedLine("started", entry, await launch(entry)));
      }),
    );
    const failures = results.flatMap((result) =>
      result.status === "rejected" ? [errorMessage(result.reason)] : [],
    );
    if (failures.length > 0) throw new P2pError("NODE_NOT_READY", failures.join("\n"));
  };

  const choosePeerAddress = async (): Promise<string> => {
    const taken = new Set([...entries.values()].map((entry) => entry.port));
    const { peerIp, peerPortRange } = options.config;
    const port = await findFreePort(peerIp, peerPortRange, taken);
    if (port === undefined) {
      throw new P2pError(
        "NO_FREE_PORT",
        `no free port left in peer_port_range ${peerPortRange.start}–${peerPortRange.end}`,
      );
    }
    return formatNodeAddress({ ip: peerIp, port });
  };

  const start = async (): Promise<void> => {
    const problems: string[] = [];
    for (const address of options.config.seeds) {
      const parsed = parseNodeAddress(address);
      if (!parsed.ok) continue;
      const endpoint = parsed.value;
      const check = await checkPort(endpoint.ip, endpoint.port);
      if (check === "in-use") {
        problems.push(
          `seed ${address}: port ${endpoint.port} is in use (is a network already running? stop it first)`,
        );
      } else if (check === "not-local") {
        problems.push(
          `seed ${address}: ${endpoint.ip} is not an address of this machine; start that seed on its own host`,
        );
      }
    }
    if (problems.length > 0) throw new P2pError("SEED_PORT_UNAVAILABLE", problems.join("\n"));

    const seeds = options.config.seeds.map((address) => addEntry("seed", address));
    if (options.keepData !== true) {
      for (const seed of seeds) {
        await rm(nodeDataDirectory(options.config.dataDir, "seed", seed.address), {
          recursive: true,
          force: true,
        });
      }
    }
    await launchAll(seeds);

    const peers: Entry[] = [];
    for (let index = 0; index < options.config.initialPeers; index += 1) {
      peers.push(addEntry("peer", await choosePeerAddress()));
    }
    await launchAll(peers);
  };

  const findEntry = (argument: string | undefined, command: string): Entry | string => {
    if (argument === undefined) return `usage: ${command} <port>`;
    if (/^\d+$/.test(argument)) {
      const port = Number(argument);
      const matches = [...entries.values()].filter((entry) => entry.port === port);
      if (matches.length === 1 && matches[0] !== undefined) return matches[0];
      if (matches.length > 1) return `several nodes use port ${port}; name one as ip:port`;
      return `no node on port ${port}; type list to see the nodes`;
    }
    const entry = entries.get(argument);
    return entry ?? `no node ${argument}; type list to see the nodes`;
  };

  const commandAdd = async (): Promise<void> => {
    const entry = addEntry("peer", await choosePeerAddress());
    let waitingFor: string | undefined;
    try {
      waitingFor = await launch(entry);
    } catch (error) {
      entries.delete(entry.address);
      throw error;
    }
    options.print(startedLine("started", entry, waitingFor));
  };

  const commandTerminate = async (
    how: "kill" | "stop",
    argument: string | undefined,
  ): Promise<void> => {
    const found = findEntry(argument, how);
    if (typeof found === "string") return options.printError(found);
    if (found.process === undefined || !LIVE_STATES.has(found.state)) {
      return options.printError(`${label(found)} is not running (${found.state})`);
    }
    const pid = found.process.pid;
    await terminate(found, how);
    options.print(`${how === "kill" ? "killed" : "stopped"} ${label(found)} (pid ${pid})`);
  };

  const commandRevive = async (argument: string | undefined): Promise<void> => {
    const found = findEntry(argument, "revive");
    if (typeof found === "string") return options.printError(found);
    if (LIVE_STATES.has(found.state)) {
      return options.printError(`${label(found)} is already running`);
    }
    if ((await checkPort(found.ip, found.port)) !== "free") {
      return options.printError(`cannot revive ${label(found)}: port ${found.port} is in use`);
    }
    options.print(startedLine("revived", found, await launch(found)));
  };

  const commandVerbose = (argument: string | undefined): void => {
    if (argument !== "on" && argument !== "off") {
      options.printError(`usage: verbose on|off (now ${isVerbose ? "on" : "off"})`);
      return;
    }
    isVerbose = argument === "on";
    options.print(
      isVerbose
        ? "verbose: every node's output is shown (verbose off to quiet it)"
        : "verbose: only joins, removals, Dead Node lines and problems are shown (verbose on for everything)",
    );
  };

  const view = () => {
    const live = sortedEntries().filter((entry) => entry.state === "running");
    return {
      seeds: live.filter((entry) => entry.role === "seed").map((entry) => entry.address),
      peers: live.filter((entry) => entry.role === "peer").map((entry) => entry.address),
      configPath: options.configPath,
    };
  };

  const list = (): readonly NodeView[] =>
    sortedEntries().map((entry) => ({
      role: entry.role,
      address: entry.address,
      port: entry.port,
      pid: entry.process?.pid,
      state: entry.state,
    }));

  const execute = async (line: string): Promise<CommandOutcome> => {
    const [command, argument, ...extra] = line.trim().split(/\s+/);
    if (command === undefined || command === "") return "continue";
    if (shutdownPromise !== undefined) return "exit";
    const takesArgument =
      command === "kill" || command === "stop" || command === "revive" || command === "verbose";
    if (extra.length > 0 || (!takesArgument && argument !== undefined)) {
      options.printError(`too many arguments for ${command}; type help`);
      return "continue";
    }
    try {
      switch (command) {
        case "add":
          await commandAdd();
          break;
        case "kill":
        case "stop":
          await commandTerminate(command, argument);
          break;
        case "revive":
          await commandRevive(argument);
          break;
        case "list":
          for (const text of formatNodeTable(list())) options.print(text);
          break;
        case "members":
          for (const text of await networkClient.members(view())) options.print(text);
          break;
        case "topology":
          for (const text of await networkClient.topology(view())) options.print(text);
          break;
        case "verbose":
          commandVerbose(argument);
          break;
        case "help":
          for (const text of HELP_LINES) options.print(text);
          break;
        case "exit":
        case "quit":
          return "exit";
        default:
          options.printError(`unknown command ${JSON.stringify(command)}; type help`);
      }
    } catch (error) {
      for (const text of errorMessage(error).split("\n")) options.printError(text);
    }
    return "continue";
  };

  const shutdown = (): Promise<void> => {
    shutdownPromise ??= (async () => {
      for (const role of ["peer", "seed"] as const) {
        const group = sortedEntries().filter(
          (entry) =>
            entry.role === role && entry.process !== undefined && !entry.process.hasExited(),
        );
        for (const entry of group) entry.process?.closeInput();
        await Promise.all(group.map((entry) => terminate(entry, "stop")));
      }
    })();
    return shutdownPromise;
  };

  return { start, execute, shutdown, list };
}

function label(entry: { readonly role: NodeRole; readonly address: string }): string {
  return `${entry.role} ${entry.address}`;
}

/** `started peer 127.0.0.1:6003 (pid 4242)`, with what it waits for when it is waiting. */
function startedLine(verb: string, entry: Entry, waitingFor: string | undefined): string {
  const line = `${verb} ${label(entry)} (pid ${entry.process?.pid})`;
  return waitingFor === undefined
    ? line
    : `${line}; waiting: ${waitingFor} (it joins when the seeds can take it)`;
}

function compare(left: string, right: string): number {
  return left < right ? -1 : left > right ? 1 : 0;
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
