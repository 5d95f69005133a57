// `starter --peers-per-process K`: peers run K to a process (`peer --control`), so a network of
// many peers costs one Node runtime per K peers instead of one per peer. Each hosted peer is
// still a NodeProcess to the manager: `kill` crashes it alone, `stop` makes it alone leave.
import {
  describeExit,
  type NodeExit,
  type NodeProcess,
  type StartNodeProcessOptions,
  startNodeProcess,
} from "./node-process.js";

/** Where the manager's peers go when they run several to a process. */
export interface PeerHosts {
  /** Starts a peer in a host process with room for it, or in a new one. */
  start(options: StartNodeProcessOptions): NodeProcess;
}

/** One peer of a host, as the host's lines tell it. */
interface Hosted {
  readonly options: StartNodeProcessOptions;
  exit: NodeExit | undefined;
  /** The command already sent to end it (`leave`, then maybe `crash`). */
  ending: "leave" | "crash" | undefined;
  onReady(): void;
  onWaiting(reason: string): void;
  onExit(exit: NodeExit): void;
}

interface Host {
  readonly process: NodeProcess;
  readonly peers: Map<string, Hosted>;
  isClosed: boolean;
}

/** `exited peer 127.0.0.1:6003: crashed` → a NodeExit like the one a real process gives. */
function exitOf(reason: string): NodeExit {
  if (reason === "crashed") return { code: null, signal: "SIGKILL" };
  if (reason === "left") return { code: 0, signal: null };
  return { code: 1, signal: null, error: new Error(reason) };
}

/** A host's line about one of its peers: `ready peer <a>`, `waiting peer <a>: <why>`, `exited peer <a>: <why>`. */
function hostLine(
  line: string,
): { kind: "ready" | "waiting" | "exited"; address: string; reason: string } | undefined {
  if (line.startsWith("ready peer ")) {
    return { kind: "ready", address: line.slice("ready peer ".length).trim(), reason: "" };
  }
  for (const kind of ["waiting", "exited"] as const) {
    const prefix = `${kind} peer `;
    if (!line.startsWith(prefix)) continue;
    const rest = line.slice(prefix.length);
    const cut = rest.indexOf(": "); // an address never holds ": " (IPv6 ones are bracketed)
    if (cut > 0) return { kind, address: rest.slice(0, cut), reason: rest.slice(cut + 2) };
  }
  return undefined;
}

/** The address in a node's log line (`… [peer 127.0.0.1:6003] …`), if any. */
function taggedAddress(line: string): string | undefined {
  return /\[peer (\S+)\]/.exec(line)?.[1];
}

/**
 * Creates the pool of peer hosts: a peer goes to the oldest host that has fewer than
 * `perProcess` live peers, else to a new host started with the peer's own command plus
 * `--control` (`start` normally spawns it; tests pass their own). A host whose peers have all
 * ended gets its stdin closed, so it exits.
 */
export function createPeerHosts(
  perProcess: number,
  start: (options: StartNodeProcessOptions) => NodeProcess = startNodeProcess,
): PeerHosts {
  const hosts: Host[] = [];

  const live = (host: Host) => [...host.peers.values()].filter((peer) => peer.exit === undefined);

  const close = (host: Host): void => {
    host.isClosed = true;
    const index = hosts.indexOf(host);
    if (index >= 0) hosts.splice(index, 1);
  };

  const closeIfEmpty = (host: Host): void => {
    if (host.isClosed || live(host).length > 0) return;
    close(host);
    host.process.closeInput();
  };

  const route = (host: Host, line: string, stream: "out" | "err"): void => {
    const said = stream === "out" ? hostLine(line) : undefined;
    const about = said === undefined ? undefined : host.peers.get(said.address);
    if (said !== undefined && about !== undefined) {
      if (said.kind === "ready") about.onReady();
      else if (said.kind === "waiting") about.onWaiting(said.reason);
      else about.onExit(exitOf(said.reason));
      return;
    }
    const tagged = taggedAddress(line);
    const peer = (tagged === undefined ? undefined : host.peers.get(tagged)) ?? live(host)[0];
    if (peer === undefined) return;
    if (stream === "out") peer.options.onOutputLine(line);
    else peer.options.onErrorLine(line);
  };

  const spawnHost = (first: StartNodeProcessOptions): Host => {
    // The host's own NodeProcess never sees a ready line of its own: every line comes here.
    let host: Host | undefined;
    const process = start({
      ...first,
      address: `host of ${first.address}`,
      command: { ...first.command, args: [...first.command.args, "--control"] },
      onOutputLine: (line) => host !== undefined && route(host, line, "out"),
      onErrorLine: (line) => host !== undefined && route(host, line, "err"),
    });
    const created: Host = { process, peers: new Map(), isClosed: false };
    host = created;
    void process.exited.then((exit) => {
      if (!created.isClosed) close(created);
      for (const peer of created.peers.values()) peer.onExit(exit);
    });
    hosts.push(created);
    return created;
  };

  const hostedProcess = (host: Host, options: StartNodeProcessOptions): NodeProcess => {
    let resolveReady: () => void = () => {};
    let rejectReady: (error: Error) => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      resolveReady = resolve;
      rejectReady = reject;
    });
    ready.catch(() => {}); // a caller that never awaits `ready` must not crash the starter
    let resolveWaiting: (reason: string) => void = () => {};
    const waiting = new Promise<string>((resolve) => {
      resolveWaiting = resolve;
    });
    let resolveExited: (exit: NodeExit) => void = () => {};
    const exited = new Promise<NodeExit>((resolve) => {
      resolveExited = resolve;
    });
    let isReady = false;
    const peer: Hosted = {
      options,
      exit: undefined,
      ending: undefined,
      onReady: () => {
        isReady = true;
        resolveReady();
      },
      onWaiting: resolveWaiting,
      onExit: (exit) => {
        if (peer.exit !== undefined) return;
        peer.exit = exit;
        if (!isReady) rejectReady(new Error(`${describeExit(exit)} before it was ready`));
        closeIfEmpty(host);
        // The last peer of a host has ended once its process has: whoever waits for it (a
        // shutdown) leaves no process behind.
        if (live(host).length === 0) void host.process.exited.then(() => resolveExited(exit));
        else resolveExited(exit);
      },
    };
    host.peers.set(options.address, peer);
    const end = (how: "leave" | "crash"): void => {
      if (peer.exit !== undefined || peer.ending === "crash" || peer.ending === how) return;
      peer.ending = how;
      host.process.writeLine(`${how} ${options.address}`);
    };
    return {
      role: "peer",
      address: options.address,
      pid: host.process.pid,
      ready,
      waiting,
      exited,
      hasExited: () => peer.exit !== undefined,
      signal: (signal) => end(signal === "SIGKILL" ? "crash" : "leave"),
      // As a peer process does when its stdin closes: it stops without leaving.
      closeInput: () => end("crash"),
      writeLine: () => {},
    };
  };

  return {
    start(options) {
      const room = hosts.find((host) => live(host).length < perProcess);
      if (room !== undefined) {
        const hosted = hostedProcess(room, options);
        room.process.writeLine(`start ${options.address}`);
        return hosted;
      }
      const host = spawnHost(options);
      return hostedProcess(host, options);
    },
  };
}
