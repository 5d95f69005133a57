// The membership phase: a p2p network (3 seeds, N peers, fast profile) and a Serf cluster of
// N agents, up at the same time on this machine, measured side by side: RSS of a lone node,
// dissemination, idle CPU and RSS per process, then failure detection (one p2p peer and one
// Serf agent killed at the same instant, each replaced before the next kill, so every kill
// hits a network of N).
import { measureNodeFloor } from "./node-floor.js";
import { type Dissemination, disseminationOf } from "./observations.js";
import { P2pNetwork } from "./p2p.js";
import { cpuSeconds, memoryOf, type ProcessMemory, sleep, waitUntil } from "./processes.js";
import type { SerfCluster } from "./serf.js";

/** How big and how long the phase is. */
export interface MembershipSettings {
  readonly peers: number;
  readonly kills: number;
  readonly messageCount: number;
  readonly windowSeconds: number;
  /**
   * How long the youngest peer runs before the steady-state window opens: the JIT of a
   * new Node process compiles its hot paths in its first minute of traffic.
   */
  readonly settleSeconds: number;
  readonly serfEvents: number;
  readonly idleSeconds: number;
}

/** What the phase measured, per system; a list that stayed empty failed or was skipped. */
export interface MembershipResults {
  /**
   * The lone peer's and the lone agent's memory (bytes), and the floor: a bare Node process
   * doing a peer's system work only (`node-floor.ts`).
   */
  lone: { p2p?: ProcessMemory; serf?: ProcessMemory; floor?: ProcessMemory };
  rssMb: { p2p: number[]; serf: number[] };
  /** Proportional set size per process in the network: shared pages split among their mappers. */
  pssMb: { p2p: number[]; serf: number[] };
  cpuPercent: { p2p: number[]; serf: number[] };
  /** Seconds from the kill to removed at every seed / failed at every survivor. */
  detectionS: { p2p: number[]; serf: number[] };
  /** Seconds from the origin to the last other node (p2p: in the steady-state window). */
  disseminationS: { p2p: number[]; serf: number[] };
  /** The same for the p2p messages of the first window after the last join. */
  freshDisseminationS: number[];
  /** Messages stamped in the steady-state window, and how many reached every other peer. */
  messages: { stamped: number; complete: number };
  /** The same for the first window after the last join. */
  freshMessages: { stamped: number; complete: number };
  /**
   * Serf user events sent, and how many reached every agent in time (as for p2p, one that did
   * not is reported, not timed; only when none did is it an error); the first miss, if any.
   */
  serfEvents: { sent: number; complete: number; firstMiss?: string };
  falseRemovals: { p2p: string[]; serf: string[] };
  /** The first problem of each step that failed. */
  errors: string[];
}

const DETECTION_TIMEOUT_MS = 60_000;
/** Peers started at the same time while the network grows. */
const START_BATCH = 5;
const MB = 1024 * 1024;

const pick = <T>(items: readonly T[]): T => items[Math.floor(Math.random() * items.length)] as T;
const messageOf = (error: unknown): string =>
  error instanceof Error ? error.message : String(error);

/**
 * Runs the phase in `directory`, with `serf` as the anchor when it is installed; `log` prints
 * progress. A failed step is recorded in `errors` and the steps after it still run.
 */
export async function measureMembership(
  directory: string,
  settings: MembershipSettings,
  serf: SerfCluster | undefined,
  print: (line: string) => void,
): Promise<MembershipResults> {
  const results: MembershipResults = {
    lone: {},
    rssMb: { p2p: [], serf: [] },
    pssMb: { p2p: [], serf: [] },
    cpuPercent: { p2p: [], serf: [] },
    detectionS: { p2p: [], serf: [] },
    disseminationS: { p2p: [], serf: [] },
    freshDisseminationS: [],
    messages: { stamped: 0, complete: 0 },
    freshMessages: { stamped: 0, complete: 0 },
    serfEvents: { sent: 0, complete: 0 },
    falseRemovals: { p2p: [], serf: [] },
    errors: [],
  };
  const p2p = new P2pNetwork(directory, settings.messageCount);
  const phaseStarted = Date.now();
  const log = (line: string) =>
    print(`  [${((Date.now() - phaseStarted) / 1000).toFixed(1)} s] ${line.trimStart()}`);
  try {
    await p2p.startSeeds();
    // A lone node of each: registered (p2p) or running (Serf), nobody else yet.
    const first = await p2p.addPeer();
    const firstAgent = await serf?.addAgent();
    await sleep(3000);
    const lonePeer = p2p.peers.get(first);
    if (lonePeer === undefined) throw new Error(`p2p: lone peer ${first} is not running`);
    results.lone.p2p = memoryOf(lonePeer.pid);
    if (serf !== undefined && firstAgent !== undefined) {
      results.lone.serf = memoryOf(serf.agents.get(firstAgent)?.child.pid as number);
    }
    // Its own step: a floor that fails to run is reported, and the phase goes on without it.
    try {
      results.lone.floor = await measureNodeFloor();
    } catch (error) {
      results.errors.push(`node floor: ${messageOf(error)}`);
    }
    log(
      `  lone peer, lone agent and node floor measured; starting ${settings.peers - 1} more of each`,
    );
    // Agents one by one (each joins within milliseconds) after each batch of peers.
    await growNetwork(p2p, settings.peers, async (size) => {
      for (let agent = 0; agent < size; agent++) await serf?.addAgent();
    });
    await serf?.converged(30_000);
    await requireAgreed(p2p, settings.peers);
    log(
      `  ${settings.peers} peers registered (seeds agree) and ${serf?.agents.size ?? 0} agents joined`,
    );
    await disseminate(p2p, serf, settings, results, log);
    await idle(p2p, serf, settings, results, log);
    await detect(p2p, serf, settings, results, log);
  } catch (error) {
    results.errors.push(messageOf(error));
  } finally {
    p2p.stop();
    serf?.stop();
  }
  return results;
}

/**
 * Dissemination, each system timed while the other is idle: the p2p messages stamped in two
 * windows (the agents running, idle), then, once the peers' generators are done, the Serf user
 * events one after another (the peers running, idle). Timed side by side in one window, the
 * p2p messages shared the 2 cores with the spawning of `serf event` and the agents' output,
 * while Serf's own time is set by its gossip interval whatever the load.
 */
async function disseminate(
  p2p: P2pNetwork,
  serf: SerfCluster | undefined,
  settings: MembershipSettings,
  results: MembershipResults,
  log: (line: string) => void,
): Promise<void> {
  const { fresh, steady } = await disseminationWindows(p2p, settings, log);
  results.messages = { stamped: steady.stamped, complete: steady.complete };
  results.freshMessages = { stamped: fresh.stamped, complete: fresh.complete };
  results.disseminationS.p2p.push(...steady.seconds);
  results.freshDisseminationS.push(...fresh.seconds);
  if (steady.error !== undefined) results.errors.push(`steady-state window: ${steady.error}`);
  if (fresh.error !== undefined) results.errors.push(`first window: ${fresh.error}`);
  if (serf === undefined) return;
  log(`  Serf: ${settings.serfEvents} user events, one after another`);
  for (let sent = 0; sent < settings.serfEvents; sent++) {
    const from = pick([...serf.agents.keys()]);
    try {
      const ms = await serf.disseminate(from, `bench-${sent}`, 10_000);
      results.disseminationS.serf.push(ms / 1000);
      results.serfEvents.complete += 1;
    } catch (error) {
      results.serfEvents.firstMiss ??= messageOf(error);
    }
    results.serfEvents.sent = sent + 1;
    await sleep(250);
  }
  const { firstMiss } = results.serfEvents;
  if (results.serfEvents.complete === 0 && firstMiss !== undefined) results.errors.push(firstMiss);
}

/**
 * Starts peers until the network has `peers`, in batches started together (so that every
 * peer's message generator still runs in the dissemination window); `afterBatch` runs after
 * each batch with its size.
 */
export async function growNetwork(
  p2p: P2pNetwork,
  peers: number,
  afterBatch: (size: number) => Promise<void> = async () => {},
): Promise<void> {
  for (let index = p2p.peers.size; index < peers; index += START_BATCH) {
    const size = Math.min(START_BATCH, peers - index);
    await Promise.all(Array.from({ length: size }, () => p2p.addPeer()));
    await afterBatch(size);
  }
}

/** Throws unless every seed lists `peers` alive members and the seeds agree. */
export async function requireAgreed(p2p: P2pNetwork, peers: number): Promise<void> {
  const view = await p2p.members();
  if (!view.isAgreed || view.alive.some((alive) => alive !== peers)) {
    throw new Error(
      `p2p: seeds list ${view.alive.join("/")} alive members (want ${peers}), agreed ${view.isAgreed}`,
    );
  }
}

/** The dissemination of one network in its two windows. */
export interface DisseminationWindows {
  /** The first window after the last peer joined: young processes, their JIT still compiling. */
  readonly fresh: Dissemination;
  /** The window once the youngest peer has run `settleSeconds`: the network's steady state. */
  readonly steady: Dissemination;
}

/**
 * Times the messages stamped in two windows of `windowSeconds`: one opening a second from now
 * (right after the last join), and one opening once the youngest peer has run
 * `settleSeconds`. Then waits until the peers' generators are done and reads outputfile.txt.
 */
export async function disseminationWindows(
  p2p: P2pNetwork,
  settings: { readonly windowSeconds: number; readonly settleSeconds: number },
  log: (line: string) => void,
): Promise<DisseminationWindows> {
  const window = settings.windowSeconds * 1000;
  const freshStart = Date.now() + 1000;
  await sleep(1000 + window);
  const freshEnd = Date.now();
  const steadyStart = Math.max(freshEnd, p2p.lastReadyMs + settings.settleSeconds * 1000);
  log(
    `  first window done; the steady-state window opens in ${((steadyStart - freshEnd) / 1000).toFixed(0)} s, once every peer has run ${settings.settleSeconds} s`,
  );
  await sleep(steadyStart - Date.now() + window);
  const steadyEnd = Date.now();
  log("  steady-state window done; waiting for the peers' generators to finish");
  await waitUntil(() => Date.now() - p2p.lastPublishedMs > 3000, 180_000, "p2p: generators done");
  const messages = p2p.messages();
  const peers = [...p2p.peers.keys()];
  return {
    fresh: disseminationOf(messages, peers, freshStart, freshEnd),
    steady: disseminationOf(messages, peers, steadyStart, steadyEnd),
  };
}

/** Idle CPU over `idleSeconds` and RSS afterwards, per peer and per agent. */
async function idle(
  p2p: P2pNetwork,
  serf: SerfCluster | undefined,
  settings: MembershipSettings,
  results: MembershipResults,
  log: (line: string) => void,
): Promise<void> {
  log(`  idle: CPU over ${settings.idleSeconds} s`);
  const peerPids = [...p2p.peers.values()].map((peer) => peer.pid);
  const agentPids = serf?.processes().map((agent) => agent.pid) ?? [];
  const before = new Map([...peerPids, ...agentPids].map((pid) => [pid, cpuSeconds(pid)]));
  const started = performance.now();
  await sleep(settings.idleSeconds * 1000);
  const seconds = (performance.now() - started) / 1000;
  const percent = (pid: number) => ((cpuSeconds(pid) - (before.get(pid) ?? 0)) / seconds) * 100;
  results.cpuPercent.p2p = peerPids.map(percent);
  results.cpuPercent.serf = agentPids.map(percent);
  const peerMemory = peerPids.map(memoryOf);
  const agentMemory = agentPids.map(memoryOf);
  results.rssMb.p2p = peerMemory.map((memory) => memory.rss / MB);
  results.rssMb.serf = agentMemory.map((memory) => memory.rss / MB);
  results.pssMb.p2p = peerMemory.map((memory) => memory.pss / MB);
  results.pssMb.serf = agentMemory.map((memory) => memory.pss / MB);
}

/** Kills one peer and one agent at the same instant, `kills` times, replacing each after. */
async function detect(
  p2p: P2pNetwork,
  serf: SerfCluster | undefined,
  settings: MembershipSettings,
  results: MembershipResults,
  log: (line: string) => void,
): Promise<void> {
  const killedPeers = new Map<string, number>();
  const killedAgents = new Set<string>();
  for (let kill = 0; kill < settings.kills; kill++) {
    const peer = pick([...p2p.peers.keys()]);
    const agent = serf === undefined ? undefined : pick([...serf.agents.keys()]);
    const peerKilledAt = p2p.kill(peer);
    killedPeers.set(peer, peerKilledAt);
    const agentKilledAt = agent === undefined ? 0 : (serf as SerfCluster).kill(agent);
    if (agent !== undefined) killedAgents.add(agent);
    const [removed, failed] = await Promise.allSettled([
      p2p.removedEverywhere(peer, peerKilledAt, DETECTION_TIMEOUT_MS),
      agent === undefined
        ? Promise.resolve(0)
        : (serf as SerfCluster).failedEverywhere(agent, DETECTION_TIMEOUT_MS),
    ]);
    const parts: string[] = [];
    if (removed.status === "fulfilled") {
      results.detectionS.p2p.push((removed.value - peerKilledAt) / 1000);
      parts.push(`p2p ${((removed.value - peerKilledAt) / 1000).toFixed(2)} s`);
    } else results.errors.push(messageOf(removed.reason));
    if (agent !== undefined) {
      if (failed.status === "fulfilled") {
        results.detectionS.serf.push((failed.value - agentKilledAt) / 1000);
        parts.push(`Serf ${((failed.value - agentKilledAt) / 1000).toFixed(2)} s`);
      } else results.errors.push(messageOf(failed.reason));
    }
    log(`  kill ${kill + 1}/${settings.kills}: ${parts.join(", ") || "no result"}`);
    if (kill + 1 < settings.kills) {
      await p2p.addPeer();
      await serf?.addAgent();
      await serf?.converged(30_000);
      await sleep(3000);
    }
  }
  results.falseRemovals.p2p = p2p.falseRemovals(killedPeers);
  results.falseRemovals.serf = serf?.falseFailures(killedAgents) ?? [];
}
