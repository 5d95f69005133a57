// `peer --control`: a process hosting peers takes commands on stdin, one per line, so that a
// manager (the starter) can start, crash or stop one of its peers and leave the others running.
import { createInterface } from "node:readline";
import { formatExitedLine, formatReadyLine, parseNodeAddress } from "@p2p/cli-support";

/** One command line: `start <ip:port>`, `crash <ip:port>` or `leave <ip:port>`. */
export interface ControlCommand {
  /**
   * `start`: set up and start a peer at the address (it keeps its identity from its data
   * directory); `crash`: stop it at once without deregistering, as a kill would; `leave`:
   * deregister it by quorum, then stop it.
   */
  readonly verb: "start" | "crash" | "leave";
  readonly address: string;
}

const VERBS: ReadonlySet<string> = new Set(["start", "crash", "leave"]);

/** Parses one control line; a string says what is wrong with it. Blank lines are undefined. */
export function parseControlLine(line: string): ControlCommand | string | undefined {
  const words = line.trim().split(/\s+/);
  const [verb = "", address, ...extra] = words;
  if (verb === "") return undefined;
  if (!VERBS.has(verb)) return `unknown command ${JSON.stringify(verb)} (start, crash or leave)`;
  if (address === undefined || extra.length > 0) return `usage: ${verb} <ip:port>`;
  if (!parseNodeAddress(address).ok) return `${verb}: ${address} is not an ip:port address`;
  return { verb: verb as ControlCommand["verb"], address };
}

/** What the control loop does to the peers of its process. */
export interface ControlledPeers {
  /** True while a peer at `address` runs (or starts) in this process. */
  has(address: string): boolean;
  /** Sets up and starts a peer at `address`; resolves once it is ready. */
  start(address: string): Promise<void>;
  /** Ends the peer at `address`: `crash` stops it, `leave` makes it leave first. */
  end(address: string, how: "crash" | "leave"): Promise<void>;
}

/**
 * Reads control lines from `input` (stdin) and runs each as it comes, printing the ready
 * line of a started peer and an `exited peer <ip:port>: <reason>` line for each one that ends
 * (or fails to start); mistakes go to `printError`.
 */
export function readControlLines(
  input: NodeJS.ReadableStream,
  peers: ControlledPeers,
  print: (line: string) => void,
  printError: (line: string) => void,
): void {
  const run = async (command: ControlCommand): Promise<void> => {
    const { verb, address } = command;
    if (verb === "start") {
      if (peers.has(address)) return printError(`peer: start: ${address} already runs here`);
      try {
        await peers.start(address);
        print(formatReadyLine("peer", address));
      } catch (error) {
        print(formatExitedLine("peer", address, errorMessage(error)));
      }
      return;
    }
    if (!peers.has(address)) return printError(`peer: ${verb}: no peer ${address} runs here`);
    await peers.end(address, verb);
    print(formatExitedLine("peer", address, verb === "crash" ? "crashed" : "left"));
  };
  createInterface({ input }).on("line", (line) => {
    const command = parseControlLine(line);
    if (command === undefined) return;
    if (typeof command === "string") return printError(`peer: ${command}`);
    // Commands run side by side: a start that waits for its seeds holds up no crash.
    run(command).catch((error) => printError(`peer: ${errorMessage(error)}`));
  });
}

/** A peer of this process as the control commands see it. */
export interface ControllablePeer {
  readonly peer: { start(): Promise<unknown>; stop(): Promise<void> };
  /** `SIGTERM`: leave by quorum, then stop; anything else: stop. Later calls share the first. */
  stop(signal: string): Promise<void>;
}

/**
 * The control commands' view of `running` (the peers of this process, by address): `start`
 * sets one up with `setUp` and starts it, `end` stops or retires one; both keep `running` up to
 * date. A crash while the peer leaves cuts the leave short (the leave then settles).
 */
export function controlledPeers<P extends ControllablePeer>(
  running: Map<string, P>,
  setUp: (address: string) => P,
): ControlledPeers {
  const leaving = new Set<string>();
  return {
    has: (address) => running.has(address),
    async start(address) {
      const one = setUp(address);
      running.set(address, one);
      try {
        await one.peer.start();
      } catch (error) {
        if (running.get(address) === one) running.delete(address);
        await one.stop("start-failed");
        throw error;
      }
    },
    async end(address, how) {
      const one = running.get(address);
      if (one === undefined) return;
      if (how === "crash" && leaving.has(address)) return one.peer.stop();
      if (how === "leave") leaving.add(address);
      try {
        await one.stop(how === "leave" ? "SIGTERM" : "crash");
      } finally {
        leaving.delete(address);
        if (running.get(address) === one) running.delete(address);
      }
    },
  };
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
