// Failure detection and gossip dissemination end to end: real SeedNodes (3 seeds, quorum
// commit) and PeerNodes over the deterministic simulator, in virtual time.
// Run: pnpm --filter @p2p/node bench   (P2P_BENCH_SIZES=100 for a quick run)
import { cpus } from "node:os";
import { createMemoryStorage } from "@p2p/quorum";
import { createSimulation, type Simulation } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import {
  createPeerNode,
  createSeedNode,
  type PeerNode,
  type TimingProfile,
  timingProfiles,
} from "../src/index.js";
import { type LossControl, lossyTransport } from "./lossy-transport.js";

const EPOCH_MS = Date.UTC(2026, 0, 1);
const SEED_COUNT = 3;
const KILL_FRACTION = 0.05;
const GOSSIP_MESSAGES = 20;

type ProfileName = "fast" | "default";

interface Scenario {
  readonly profile: ProfileName;
  readonly peers: number;
  readonly lossRate: number;
}

interface DetectionResult {
  readonly scenario: Scenario;
  readonly killed: number;
  /** Seconds from kill to removed at every seed, sorted (only the victims removed everywhere). */
  readonly removedTimes: number[];
  /** Live peers removed at any seed. */
  readonly falseRemovals: number;
  /** Naive detector on the same trace: seconds from kill to the first neighbour's 3rd miss. */
  readonly naiveTimes: number[];
  /** Naive detector on the same trace: live peers some neighbour suspected (each a removal). */
  readonly naiveFalseRemovals: number;
  readonly dissemination: {
    readonly messages: number;
    readonly livePeers: number;
    /** Fraction of (message, live peer) pairs delivered. */
    readonly coverage: number;
    readonly latenciesMs: number[];
    readonly copiesPerPeerPerMessage: number;
  };
  readonly droppedFrames: number;
  readonly virtualSeconds: number;
  readonly wallSeconds: number;
}

interface BenchPeer {
  readonly address: string;
  readonly node: PeerNode;
  isAlive: boolean;
  killedAt?: number;
}

const quantile = (sorted: readonly number[], q: number): number =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number);

const peerAddress = (index: number): string =>
  `10.1.${Math.floor(index / 250)}.${(index % 250) + 1}:6000`;

async function runScenario(scenario: Scenario, seed: number): Promise<DetectionResult> {
  const started = performance.now();
  const base = timingProfiles[scenario.profile];
  // No automatic gossip generator: the bench publishes a fixed set of messages itself, so the
  // gossip load does not grow as N² and the dissemination numbers have known publish times.
  const timing: TimingProfile = { ...base, gossipMessageCount: 0 };
  const sim: Simulation = createSimulation({
    seed,
    link: { latencyMs: 5, jitterMs: 3 },
  });
  const loss: LossControl = { rate: 0, dropped: 0, delivered: 0 };
  const transportFor = (address: string) =>
    lossyTransport(sim.transport(address), sim.random(`loss ${address}`), loss);
  const wallClock = () => EPOCH_MS + sim.now();
  const seedAddresses = Array.from({ length: SEED_COUNT }, (_, i) => `10.0.0.${i + 1}:5000`);

  // address → (seed → virtual time it learned the removal)
  const removedAt = new Map<string, Map<string, number>>();
  for (const address of seedAddresses) {
    const node = await createSeedNode({
      address,
      seeds: seedAddresses,
      transport: transportFor(address),
      clock: sim.clockFor(address),
      storage: createMemoryStorage(),
      random: sim.random(`seed ${address}`),
      logger: silentLogger,
      wallClock,
    });
    node.on((event) => {
      if (event.type !== "member-removed") return;
      let bySeed = removedAt.get(event.record.address);
      if (bySeed === undefined) {
        bySeed = new Map();
        removedAt.set(event.record.address, bySeed);
      }
      if (!bySeed.has(address)) bySeed.set(address, sim.now());
    });
    await sim.settle(node.start());
  }

  const peers: BenchPeer[] = [];
  const suspectedAt = new Map<string, number[]>();
  const publishedAt = new Map<string, number>();
  const deliveredAt = new Map<string, number[]>();
  let measuring = false;
  const batchSize = 25;
  for (let first = 0; first < scenario.peers; first += batchSize) {
    const batch: BenchPeer[] = [];
    for (let index = first; index < Math.min(scenario.peers, first + batchSize); index++) {
      const address = peerAddress(index);
      const node = createPeerNode({
        address,
        seeds: seedAddresses,
        transport: transportFor(address),
        clock: sim.clockFor(address),
        random: sim.random(`peer ${address}`),
        logger: silentLogger,
        timing,
        wallClock,
      });
      node.on((event) => {
        if (!measuring) return;
        if (event.type === "peer-suspected") {
          let times = suspectedAt.get(event.suspect);
          if (times === undefined) {
            times = [];
            suspectedAt.set(event.suspect, times);
          }
          times.push(sim.now());
        } else if (event.type === "message-published") {
          publishedAt.set(event.id, sim.now());
        } else if (event.type === "message-delivered") {
          let times = deliveredAt.get(event.id);
          if (times === undefined) {
            times = [];
            deliveredAt.set(event.id, times);
          }
          times.push(sim.now());
        }
      });
      batch.push({ address, node, isAlive: true });
    }
    await sim.settle(Promise.all(batch.map((peer) => peer.node.start())), { timeoutMs: 120_000 });
    peers.push(...batch);
    await sim.runForAsync(100);
  }

  // Settle: every peer has pinged its neighbours a few times and told the seeds its neighbours.
  await sim.runForAsync(Math.max(5_000, base.pingIntervalMs * 4));
  if (removedAt.size > 0) {
    throw new Error(`removed before the measurement started: ${[...removedAt.keys()].join(", ")}`);
  }
  loss.rate = scenario.lossRate;
  measuring = true;
  const random = sim.random("bench");
  await sim.runForAsync(base.pingIntervalMs * 3); // loss in steady state before the first kill

  // Kill 5% of the peers at random times over ten ping intervals.
  const killWindowMs = base.pingIntervalMs * 10;
  const victims = peers
    .map((peer) => ({ peer, order: random.next() }))
    .sort((a, b) => a.order - b.order)
    .slice(0, Math.max(1, Math.round(scenario.peers * KILL_FRACTION)))
    .map(({ peer }) => peer);
  for (const victim of victims) {
    sim.clock.setTimer(Math.floor(random.next() * killWindowMs), () => {
      victim.isAlive = false;
      victim.killedAt = sim.now();
      sim.crash(victim.address);
    });
  }
  const removedEverywhere = (address: string) =>
    (removedAt.get(address)?.size ?? 0) === SEED_COUNT;
  const deadline = sim.now() + killWindowMs + base.pingIntervalMs * 30;
  await sim.runForAsync(killWindowMs);
  while (sim.now() < deadline && !victims.every((victim) => removedEverywhere(victim.address))) {
    await sim.runForAsync(500);
  }
  // Keep running a while after the last removal: late false removals would show here.
  await sim.runForAsync(base.pingIntervalMs * 5);

  // Gossip dissemination among the live peers (loss still on).
  const live = peers.filter((peer) => peer.isAlive);
  const receivedBefore = live.reduce(
    (sum, peer) => sum + peer.node.inspect().gossip.counters.received,
    0,
  );
  for (let n = 0; n < GOSSIP_MESSAGES; n++) {
    const origin = live[Math.floor(random.next() * live.length)] as BenchPeer;
    origin.node.publish(new TextEncoder().encode(`bench message ${n} from ${origin.address}`));
    await sim.runForAsync(250);
  }
  await sim.runForAsync(10_000);
  const receivedAfter = live.reduce(
    (sum, peer) => sum + peer.node.inspect().gossip.counters.received,
    0,
  );

  const removedTimes: number[] = [];
  const naiveTimes: number[] = [];
  for (const victim of victims) {
    const killedAt = victim.killedAt as number;
    if (removedEverywhere(victim.address)) {
      const last = Math.max(...(removedAt.get(victim.address) as Map<string, number>).values());
      removedTimes.push((last - killedAt) / 1000);
    }
    const suspected = suspectedAt.get(victim.address)?.find((time) => time >= killedAt);
    if (suspected !== undefined) naiveTimes.push((suspected - killedAt) / 1000);
  }
  const liveAddresses = new Set(live.map((peer) => peer.address));
  const falseRemovals = [...removedAt.keys()].filter((a) => liveAddresses.has(a)).length;
  // A naive detector removes on the first suspicion: any suspicion of a live peer counts.
  const killedAtOf = new Map(victims.map((victim) => [victim.address, victim.killedAt as number]));
  const naiveFalseRemovals = [...suspectedAt].filter(([address, times]) =>
    times.some((time) => time < (killedAtOf.get(address) ?? Number.POSITIVE_INFINITY)),
  ).length;

  const latenciesMs: number[] = [];
  let deliveries = 0;
  for (const [id, at] of publishedAt) {
    for (const time of deliveredAt.get(id) ?? []) {
      latenciesMs.push(time - at);
      deliveries += 1;
    }
  }
  const messages = publishedAt.size;
  const result: DetectionResult = {
    scenario,
    killed: victims.length,
    removedTimes: removedTimes.sort((a, b) => a - b),
    falseRemovals,
    naiveTimes: naiveTimes.sort((a, b) => a - b),
    naiveFalseRemovals,
    dissemination: {
      messages,
      livePeers: live.length,
      // The publisher delivers nothing to itself: live - 1 receivers per message.
      coverage: deliveries / (messages * (live.length - 1)),
      latenciesMs: latenciesMs.sort((a, b) => a - b),
      copiesPerPeerPerMessage: (receivedAfter - receivedBefore) / (messages * (live.length - 1)),
    },
    droppedFrames: loss.dropped,
    virtualSeconds: sim.now() / 1000,
    wallSeconds: (performance.now() - started) / 1000,
  };
  for (const peer of live) await peer.node.stop();
  return result;
}

function main(): Promise<void> {
  const cpu = cpus();
  console.log(
    `machine: ${cpu[0]?.model ?? "unknown"} × ${cpu.length} cores, Node ${process.version}`,
  );
  const sizes = (process.env.P2P_BENCH_SIZES ?? "100,1000")
    .split(",")
    .map((size) => Number.parseInt(size, 10));
  const seed = Number.parseInt(process.env.P2P_SEED ?? "42", 10);
  const scenarios: Scenario[] = [];
  for (const profile of ["fast", "default"] as const)
    for (const peers of sizes)
      for (const lossRate of [0, 0.1]) scenarios.push({ profile, peers, lossRate });
  return (async () => {
    const results: DetectionResult[] = [];
    for (const scenario of scenarios) {
      const result = await runScenario(scenario, seed);
      results.push(result);
      printDetectionRow(result, results.length === 1);
    }
    console.log("");
    printDisseminationTable(results);
    console.log("");
    printTargets(results);
  })();
}

const fixed = (value: number, digits = 2) => (Number.isNaN(value) ? "-" : value.toFixed(digits));

function printDetectionRow(result: DetectionResult, withHeader: boolean): void {
  if (withHeader) {
    console.log(
      `seed ${process.env.P2P_SEED ?? "42"}; ${SEED_COUNT} seeds; ${KILL_FRACTION * 100}% of peers crashed at random times; times in virtual seconds`,
    );
    console.log(
      "profile  | N    | loss | killed | removed@all | p50 s | p99 s | max s | false rm | naive p50 | naive p99 | naive false | p50 ratio | wall s",
    );
  }
  const { scenario, removedTimes, naiveTimes } = result;
  const p50 = quantile(removedTimes, 0.5);
  const naiveP50 = quantile(naiveTimes, 0.5);
  console.log(
    [
      scenario.profile.padEnd(8),
      String(scenario.peers).padEnd(4),
      `${scenario.lossRate * 100}%`.padEnd(4),
      String(result.killed).padEnd(6),
      String(removedTimes.length).padEnd(11),
      fixed(p50).padEnd(5),
      fixed(quantile(removedTimes, 0.99)).padEnd(5),
      fixed(quantile(removedTimes, 1)).padEnd(5),
      String(result.falseRemovals).padEnd(8),
      fixed(naiveP50).padEnd(9),
      fixed(quantile(naiveTimes, 0.99)).padEnd(9),
      String(result.naiveFalseRemovals).padEnd(11),
      `${fixed(p50 / naiveP50)}×`.padEnd(9),
      fixed(result.wallSeconds, 1),
    ].join(" | "),
  );
}

function printDisseminationTable(results: readonly DetectionResult[]): void {
  console.log(
    `gossip dissemination: ${GOSSIP_MESSAGES} messages from random live peers, flooding; link 5–8 ms`,
  );
  console.log(
    "profile  | N    | loss | live | coverage | p50 ms | p99 ms | max ms | copies/peer/msg",
  );
  for (const { scenario, dissemination: d } of results) {
    console.log(
      [
        scenario.profile.padEnd(8),
        String(scenario.peers).padEnd(4),
        `${scenario.lossRate * 100}%`.padEnd(4),
        String(d.livePeers).padEnd(4),
        `${(d.coverage * 100).toFixed(2)}%`.padEnd(8),
        fixed(quantile(d.latenciesMs, 0.5), 0).padEnd(6),
        fixed(quantile(d.latenciesMs, 0.99), 0).padEnd(6),
        fixed(quantile(d.latenciesMs, 1), 0).padEnd(6),
        fixed(d.copiesPerPeerPerMessage),
      ].join(" | "),
    );
  }
}

function printTargets(results: readonly DetectionResult[]): void {
  const target = results.find(
    (r) => r.scenario.profile === "fast" && r.scenario.peers === 1000 && r.scenario.lossRate === 0.1,
  );
  if (target === undefined) {
    console.log("targets (fast, N=1000, 10% loss): not measured in this run");
    return;
  }
  const p50 = quantile(target.removedTimes, 0.5);
  const p99 = quantile(target.removedTimes, 0.99);
  const allRemoved = target.removedTimes.length === target.killed;
  const verdict = (holds: boolean) => (holds ? "holds" : "MISSED");
  console.log("targets (issue 5), fast profile, N = 1000, 10% loss:");
  console.log(`  p50 ≤ 4 s: ${fixed(p50)} s — ${verdict(allRemoved && p50 <= 4)}`);
  console.log(`  p99 ≤ 6 s: ${fixed(p99)} s — ${verdict(allRemoved && p99 <= 6)}`);
  console.log(
    `  zero false removals: ${target.falseRemovals} — ${verdict(target.falseRemovals === 0)}`,
  );
  console.log(
    `  every crashed peer removed at all seeds: ${target.removedTimes.length}/${target.killed} — ${verdict(allRemoved)}`,
  );
}

await main();
