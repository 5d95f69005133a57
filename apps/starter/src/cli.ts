import { resolve } from "node:path";
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import {
  EXIT,
  loadConfig,
  type NetworkConfig,
  packageVersion,
  parseNodeAddress,
} from "@p2p/cli-support";
import type { TimingProfileName } from "@p2p/node";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { liveNetworkClient, writtenSeedList } from "./live-network-client.js";
import { createManager, HELP_LINES } from "./manager.js";
import type { NetworkClient } from "./network-client.js";
import { nodeCommand } from "./node-command.js";
import { type StartNodeProcessOptions, startNodeProcess } from "./node-process.js";
import { createPeerHosts } from "./peer-hosts.js";
import { startViewServer, type ViewServer } from "./view/server.js";

/** Exit codes of the starter (BSD sysexits where one fits). */

/** Seeds each in a process of their own; peers `perProcess` to a process. */
function hostedPeers(perProcess: number) {
  const hosts = createPeerHosts(perProcess);
  return (options: StartNodeProcessOptions) =>
    options.role === "peer" ? hosts.start(options) : startNodeProcess(options);
}

/** The streams the starter talks through (the process's own by default). */
export interface StarterIo {
  readonly stdin: NodeJS.ReadableStream;
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  /** True for an interactive terminal: shows the `manager> ` prompt. */
  readonly isTerminal: boolean;
  /** Stop the network on SIGINT, SIGTERM and SIGHUP (default true). */
  readonly handleSignals?: boolean;
  /** Answers `members` and `topology` (default: not available yet). */
  readonly networkClient?: NetworkClient;
}

const PROMPT = "manager> ";

interface StarterOptions {
  readonly profile?: TimingProfileName;
  readonly readyTimeout: number;
  readonly grace: number;
  readonly keepData?: boolean;
  readonly verbose?: boolean;
  readonly view: string | false;
  readonly nodeProgram?: string;
  readonly peersPerProcess: number;
}

const DEFAULT_VIEW_ADDRESS = "127.0.0.1:7070";

function parseViewAddress(text: string): string {
  if (!parseNodeAddress(text).ok) throw new InvalidArgumentError("expected ip:port");
  return text;
}

function parseMilliseconds(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1) {
    throw new InvalidArgumentError("expected a whole number of milliseconds ≥ 1");
  }
  return value;
}

function parseCount(text: string): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || !Number.isSafeInteger(value) || value < 1 || value > 1_000) {
    throw new InvalidArgumentError("expected a whole number from 1 to 1000");
  }
  return value;
}

function processIo(): StarterIo {
  return {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    isTerminal: process.stdin.isTTY === true && process.stdout.isTTY === true,
  };
}

/**
 * Runs `starter [config.yml]`: validates the config, starts the seeds and the initial peers,
 * then reads manager commands until `exit`, end of input or a signal, and stops every child.
 * Resolves to the exit code (0 ok, 64 usage, 78 config, 1 unexpected).
 */
export async function runStarter(
  argv: readonly string[],
  io: StarterIo = processIo(),
): Promise<number> {
  const program = new Command("p2p-starter")
    .version(packageVersion(import.meta.url))
    .description(
      "Start a p2p network on this machine: the seeds of config.yml, then its initial peers,\n" +
        "and a manager> prompt (commands also come from a pipe).",
    )
    .argument("[config]", "the network's config file", "config.yml")
    .addOption(
      new Option(
        "--profile <name>",
        "timing profile for every node (overrides config.yml)",
      ).choices(["default", "fast"]),
    )
    .option(
      "--ready-timeout <ms>",
      "how long a node may take to become ready",
      parseMilliseconds,
      30_000,
    )
    .option(
      "--grace <ms>",
      "how long a node may take to stop before SIGKILL",
      parseMilliseconds,
      5000,
    )
    .option("--keep-data", "keep the seeds' data from an earlier run (default: a fresh network)")
    .option(
      "--peers-per-process <count>",
      "run peers this many to a process (peer --control): a further peer costs ~1-2 MB, not a Node runtime",
      parseCount,
      1,
    )
    .option(
      "--view <ip:port>",
      "serve the live web view of the network here (another free port when it is taken)",
      parseViewAddress,
      DEFAULT_VIEW_ADDRESS,
    )
    .option("--no-view", "do not serve the web view")
    .option(
      "--verbose",
      "show every line the nodes print (default: joins, removals, Dead Node lines, problems)",
    )
    .addOption(
      new Option("--node-program <file>", "run this script for every node (testing)").hideHelp(),
    )
    .addHelpText("after", `\nManager ${HELP_LINES.join("\n")}\n`)
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    });

  let configArgument = "config.yml";
  try {
    program.parse([...argv], { from: "user" });
    configArgument = program.processedArgs[0] as string;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    throw error;
  }
  const options = program.opts<StarterOptions>();

  const loaded = await loadConfig(configArgument);
  if (!loaded.ok) {
    for (const line of loaded.error.lines) io.stderr.write(`${line}\n`);
    return EXIT.config;
  }

  let prompt: Interface | undefined;
  let isPrompting = false;
  const writeLine = (stream: NodeJS.WritableStream, line: string): void => {
    if (prompt !== undefined && isPrompting && io.isTerminal) {
      clearLine(io.stdout, 0);
      cursorTo(io.stdout, 0);
      stream.write(`${line}\n`);
      prompt.prompt(true);
    } else {
      stream.write(`${line}\n`);
    }
  };
  const print = (line: string): void => writeLine(io.stdout, line);
  const printError = (line: string): void => writeLine(io.stderr, line);

  const configPath = resolve(configArgument);
  let view: ViewServer | undefined;
  const manager = createManager({
    config: loaded.value,
    configPath,
    commandFor: (role, address) =>
      nodeCommand(role, address, {
        configPath,
        ...(options.profile === undefined ? {} : { profile: options.profile }),
        ...(options.nodeProgram === undefined ? {} : { program: options.nodeProgram }),
      }),
    print,
    printError,
    networkClient: io.networkClient ?? liveNetworkClient,
    readyTimeoutMs: options.readyTimeout,
    graceMs: options.grace,
    keepData: options.keepData === true,
    verbose: options.verbose === true,
    onNodeLine: (_node, line) => {
      if (line.includes("Dead Node:")) view?.push(line);
    },
    ...(options.peersPerProcess > 1 ? { startNode: hostedPeers(options.peersPerProcess) } : {}),
  });

  let isInterrupted = false;
  const stopOnSignal = (signal: NodeJS.Signals): void => {
    isInterrupted = true;
    if (isPrompting && io.isTerminal) io.stdout.write("\n");
    isPrompting = false;
    printError(`received ${signal}; stopping every node`);
    prompt?.close();
    void manager.shutdown();
  };
  const handleSignals = io.handleSignals ?? true;
  const signals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];
  if (handleSignals) for (const signal of signals) process.on(signal, stopOnSignal);

  try {
    try {
      await manager.start();
    } catch (error) {
      if (isInterrupted) {
        await manager.shutdown();
        return EXIT.ok;
      }
      const message = error instanceof Error ? error.message : String(error);
      for (const line of message.split("\n")) printError(`starter: ${line}`);
      printError("starter: stopping the nodes that did start");
      await manager.shutdown();
      return EXIT.unexpected;
    }
    print(`network up: ${manager.list().length} nodes; type help for commands`);
    if (options.view !== false) {
      view = await serveView(options.view, configPath, loaded.value, printError);
      if (view !== undefined) print(`web view: ${view.url}`);
    }

    prompt = io.isTerminal
      ? createInterface({ input: io.stdin, output: io.stdout, terminal: true, prompt: PROMPT })
      : createInterface({ input: io.stdin, terminal: false });
    prompt.on("SIGINT", () => stopOnSignal("SIGINT"));
    const showPrompt = (): void => {
      if (!io.isTerminal) return;
      isPrompting = true;
      prompt?.prompt();
    };
    if (isInterrupted) prompt.close();
    else showPrompt();
    for await (const line of prompt) {
      isPrompting = false;
      if ((await manager.execute(line)) === "exit") break;
      showPrompt();
    }
    isPrompting = false;
    prompt.close();
    await view?.close();
    await manager.shutdown();
    print("every node stopped");
    return EXIT.ok;
  } finally {
    await view?.close();
    if (handleSignals) for (const signal of signals) process.off(signal, stopOnSignal);
  }
}

/**
 * Starts the web view at `address`, or on a free port of the same host when that port is taken;
 * prints why and returns undefined when it cannot serve at all (the network runs without it).
 */
async function serveView(
  address: string,
  configPath: string,
  config: NetworkConfig,
  printError: (line: string) => void,
): Promise<ViewServer | undefined> {
  const parsed = parseNodeAddress(address);
  if (!parsed.ok) return undefined;
  const seeds = () => writtenSeedList(configPath);
  const { ip, port } = parsed.value;
  try {
    return await startViewServer({ seeds, config, host: ip, port });
  } catch (error) {
    if ((error as { code?: unknown }).code !== "VIEW_PORT_IN_USE") {
      printError(`starter: no web view: ${error instanceof Error ? error.message : String(error)}`);
      return undefined;
    }
  }
  return startViewServer({ seeds, config, host: ip, port: 0 });
}
