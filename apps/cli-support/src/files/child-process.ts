/** The roles a node process can have. */
export type NodeProcessRole = "seed" | "peer";

/**
 * The V8 flags a peer process runs with. `--max-semi-space-size=1` caps each half of V8's young
 * generation at 1 MiB (its default grows to 8 MiB and more in a peer): a peer allocates little
 * per message, and the smaller nursery keeps about 5 MB less of a lone peer resident. The `p2p-peer`
 * bin's `#!` line carries these flags; the starter, the benchmarks and the hosts harness pass
 * them when they start a peer with `node <bin>`.
 */
export const PEER_PROCESS_FLAGS: readonly string[] = Object.freeze(["--max-semi-space-size=1"]);

/** The environment variable that tells a node to exit when its stdin closes. */
export const EXIT_WITH_STDIN_VARIABLE = "P2P_EXIT_WITH_STDIN";

/**
 * The line a seed or peer prints on stdout once it serves: `ready <role> <address>`.
 * The starter waits for it before it starts the next nodes.
 */
export function formatReadyLine(role: NodeProcessRole, address: string): string {
  return `ready ${role} ${address}`;
}

/**
 * The line a node prints on stdout while it cannot start yet but keeps trying (a peer whose
 * seeds have no majority): `waiting peer 127.0.0.1:6003: <reason>`. The starter shows such a
 * node as waiting instead of giving up on it.
 */
export function formatWaitingLine(role: NodeProcessRole, address: string, reason: string): string {
  return `waiting ${role} ${address}: ${reason.replace(/\r?\n|\r/g, " ")}`;
}

/**
 * The line a process hosting several peers (`peer --control`) prints when one of them ended
 * while the process goes on: `exited peer 127.0.0.1:6003: crashed`. The starter takes it as
 * that peer's exit.
 */
export function formatExitedLine(role: NodeProcessRole, address: string, reason: string): string {
  return `exited ${role} ${address}: ${reason.replace(/\r?\n|\r/g, " ")}`;
}

/** The readable side a node watches (process.stdin by default). */
export interface ClosableInput {
  on(event: "end" | "close", listener: () => void): unknown;
  off(event: "end" | "close", listener: () => void): unknown;
  resume(): unknown;
}

/**
 * When `P2P_EXIT_WITH_STDIN=1` (set by the starter), calls `onClose` once stdin ends or
 * closes — the starter is gone, even if it was SIGKILLed — so no node outlives it.
 * Returns a function that stops watching; does nothing without the variable.
 */
export function exitWhenStdinCloses(
  onClose: () => void,
  options: {
    readonly environment?: Readonly<Record<string, string | undefined>>;
    readonly input?: ClosableInput;
  } = {},
): () => void {
  const environment = options.environment ?? process.env;
  if (environment[EXIT_WITH_STDIN_VARIABLE] !== "1") return () => {};
  const input = options.input ?? process.stdin;
  let isDone = false;
  const listener = (): void => {
    if (isDone) return;
    isDone = true;
    onClose();
  };
  input.on("end", listener);
  input.on("close", listener);
  input.resume();
  return () => {
    isDone = true;
    input.off("end", listener);
    input.off("close", listener);
  };
}
