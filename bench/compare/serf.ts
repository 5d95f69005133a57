// The Serf anchor: Debian's `serf` agents (memberlist with Lifeguard, `-profile=lan`) on
// 127.0.0.1, joined into one cluster, observed through their own log lines: each line is
// stamped with the time it reached this process (Serf's log has whole seconds only).
//   `serf: EventMemberFailed: <node>`          — the agent declared <node> failed (logged
//                                                 before the agent's event coalescing)
//   `agent: Received event: user-event: <name>` — the agent received user event <name>
import { type Child, freePorts, killChild, runToEnd, spawnChild, waitUntil } from "./processes.js";

const START_TIMEOUT_MS = 20_000;
const FAILED = /serf: EventMemberFailed: (\S+)/;
const JOINED = /serf: EventMemberJoin: (\S+)/;
const USER_EVENT = /agent: Received event: user-event: (\S+)/;

interface Agent {
  readonly name: string;
  readonly child: Child;
  readonly bindAddress: string;
  readonly rpcAddress: string;
  /** Names this agent saw join (itself included). */
  readonly joined: Set<string>;
}

/** A Serf cluster of real agents; the first one is the join address of the others. */
export class SerfCluster {
  readonly agents = new Map<string, Agent>();
  /** failed node → agent → arrival time (ms) of its EventMemberFailed line. */
  readonly failedAt = new Map<string, Map<string, number>>();
  /** user event → agent → arrival time (ms) of its Received event line. */
  readonly eventAt = new Map<string, Map<string, number>>();
  private started = 0;

  /** Starts one agent, joined to a live one if there is any; resolves when its join completed. */
  async addAgent(): Promise<string> {
    const [bindPort, rpcPort] = await freePorts(2, true);
    const name = `agent-${this.started++}`;
    const bindAddress = `127.0.0.1:${bindPort}`;
    const rpcAddress = `127.0.0.1:${rpcPort}`;
    const joinTo = [...this.agents.values()][0]?.bindAddress;
    const child = spawnChild(`serf ${name}`, "serf", [
      "agent",
      `-node=${name}`,
      `-bind=${bindAddress}`,
      `-rpc-addr=${rpcAddress}`,
      "-profile=lan",
      "-log-level=info",
      ...(joinTo === undefined ? [] : [`-join=${joinTo}`]),
    ]);
    const agent: Agent = { name, child, bindAddress, rpcAddress, joined: new Set() };
    const record = (into: Map<string, Map<string, number>>, key: string, atMs: number) => {
      let byAgent = into.get(key);
      if (byAgent === undefined) {
        byAgent = new Map();
        into.set(key, byAgent);
      }
      if (!byAgent.has(name)) byAgent.set(name, atMs);
    };
    child.onLine((line, atMs) => {
      const failed = line.match(FAILED);
      if (failed !== null) return record(this.failedAt, failed[1] as string, atMs);
      const event = line.match(USER_EVENT);
      if (event !== null) return record(this.eventAt, event[1] as string, atMs);
      const joined = line.match(JOINED);
      if (joined !== null) agent.joined.add(joined[1] as string);
    });
    await child.waitForLine(
      joinTo === undefined ? /Serf agent running!/ : /Join completed/,
      START_TIMEOUT_MS,
    );
    this.agents.set(name, agent);
    return name;
  }

  /** Resolves once every live agent has seen every other one join. */
  async converged(timeoutMs: number): Promise<void> {
    const names = [...this.agents.keys()];
    await waitUntil(
      () =>
        [...this.agents.values()].every((agent) => names.every((name) => agent.joined.has(name))),
      timeoutMs,
      `serf: ${names.length} agents see each other`,
    );
  }

  /** The wall time just before agent `name` got SIGKILL; it is no longer counted. */
  kill(name: string): number {
    const agent = this.agents.get(name);
    if (agent === undefined) throw new Error(`no serf agent ${name}`);
    this.agents.delete(name);
    return killChild(agent.child);
  }

  /** Resolves with when the last survivor logged `name` failed (arrival time, ms). */
  async failedEverywhere(name: string, timeoutMs: number): Promise<number> {
    const survivors = [...this.agents.keys()];
    await waitUntil(
      () => survivors.every((agent) => this.failedAt.get(name)?.has(agent) === true),
      timeoutMs,
      `serf: ${name} failed at every survivor`,
    );
    const byAgent = this.failedAt.get(name) as Map<string, number>;
    return Math.max(...survivors.map((agent) => byAgent.get(agent) as number));
  }

  /** Agents that reported a failure of a node that was never killed (false failures). */
  falseFailures(killed: ReadonlySet<string>): string[] {
    return [...this.failedAt.keys()].filter((name) => !killed.has(name));
  }

  /**
   * Sends user event `event` through agent `from` (`serf event -coalesce=false`); resolves with
   * the time from `from` receiving it to the last other live agent receiving it (ms).
   */
  async disseminate(from: string, event: string, timeoutMs: number): Promise<number> {
    const origin = this.agents.get(from);
    if (origin === undefined) throw new Error(`no serf agent ${from}`);
    const names = [...this.agents.keys()];
    await runToEnd("serf", [
      "event",
      `-rpc-addr=${origin.rpcAddress}`,
      "-coalesce=false",
      event,
      "payload",
    ]);
    await waitUntil(
      () => names.every((name) => this.eventAt.get(event)?.has(name) === true),
      timeoutMs,
      `serf: user event ${event} at every agent`,
    );
    const byAgent = this.eventAt.get(event) as Map<string, number>;
    const start = byAgent.get(from) as number;
    return Math.max(...names.map((name) => byAgent.get(name) as number)) - start;
  }

  /** Every live agent process. */
  processes(): Child[] {
    return [...this.agents.values()].map((agent) => agent.child);
  }

  /** Kills every agent (SIGKILL by PID). */
  stop(): void {
    for (const child of this.processes()) killChild(child);
    this.agents.clear();
  }
}
