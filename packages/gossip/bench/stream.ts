// A stream of messages on a power-law overlay with frame loss, flooding against Plumtree:
// delivery, full copies and announcements per peer per message, latency and the time until
// the last peer has every message (virtual time on @p2p/sim). Part of bench/index.ts.
import { performance } from "node:perf_hooks";
import { createSeededRandom } from "@p2p/wire";
import { type Cell, fail, printRow, printTable, ratio } from "../../../scripts/bench-support.js";
import type { GossipConfigInput } from "../src/index.js";
import { gossipNetwork } from "../test/network.js";
import { preferentialAttachment, summary } from "../test/overlay.js";

const SEED = 42;
const GAP_MS = 20;

/** What one stream run measured, per peer and message where it says so. */
export interface StreamResult {
  /** Deliveries over messages × (peers − 1): 1 when every peer got every message. */
  readonly delivery: number;
  /** Full copies received per peer per message (first and duplicate receipts). */
  readonly copies: number;
  readonly ihaveIds: number;
  readonly grafts: number;
  /** From publication to each delivery, virtual ms; `max` is the time until all had all. */
  readonly latencyMs: ReturnType<typeof summary>;
  /** Wall-clock seconds the simulation took. */
  readonly wallS: number;
}

/**
 * `messages` messages from random origins, one every 20 ms, at `lossRate` frame loss, on a
 * power-law overlay of `peers` (seeded: the same arguments give the same run).
 */
export function runStream(
  peers: number,
  messages: number,
  lossRate: number,
  forwarding: GossipConfigInput["forwarding"],
): StreamResult {
  const overlay = preferentialAttachment(peers, 2, createSeededRandom(SEED + peers));
  const net = gossipNetwork(overlay, SEED + peers, { lossRate, forwarding, catchUp: false });
  const random = createSeededRandom(SEED, "origins");
  const started = performance.now();
  net.connect();
  let published = 0;
  const next = () =>
    net.sim.clock.setTimer(GAP_MS, () => {
      const origin = net.addresses[Math.floor(random.next() * peers)] as string;
      net.publish(origin, `message ${published++} from ${origin}`);
      if (published < messages) next();
    });
  next();
  net.sim.runUntilIdle({ maxTimeMs: 600_000 });
  const wallS = (performance.now() - started) / 1000;
  const expected = messages * (peers - 1);
  let received = 0;
  let ihaveIds = 0;
  let grafts = 0;
  for (const machine of net.machines.values()) {
    const { counters } = machine.inspect();
    received += counters.received;
    ihaveIds += counters.ihaveIdsSent;
    grafts += counters.graftsSent;
  }
  return {
    delivery: net.deliveries.length / expected,
    copies: received / expected,
    ihaveIds: ihaveIds / expected,
    grafts: grafts / expected,
    latencyMs: summary(net.deliveries.map((d) => d.atMs - (net.publishedAt.get(d.id) ?? 0))),
    wallS,
  };
}

/** Prints the flood-against-Plumtree table for `peers` peers and `messages` messages. */
export function streamBench(peers: number, messages: number): void {
  console.log(
    `\nstream: ${messages} messages from random origins, one every ${GAP_MS} ms, N = ${peers}, frame loss 0% and 10%`,
  );
  const rows: Cell[][] = [];
  const notes: [string, string][] = [];
  for (const lossRate of [0, 0.1]) {
    const loss = `${lossRate * 100}%`;
    const flood = runStream(peers, messages, lossRate, { type: "flood" });
    const plumtree = runStream(peers, messages, lossRate, { type: "plumtree" });
    // Plumtree must reach every peer at any loss, flooding at least some.
    if (plumtree.delivery !== 1 || !(flood.delivery > 0)) {
      fail(
        `N=${peers} loss ${loss}: plumtree delivery ${plumtree.delivery}, flood ${flood.delivery}`,
      );
    }
    for (const [policy, result] of [
      ["flood", flood],
      ["plumtree", plumtree],
    ] as const) {
      rows.push([
        `${peers} ${policy} loss ${loss}`,
        `${(result.delivery * 100).toFixed(2)}%`,
        { value: result.copies, digits: 2 },
        { value: result.ihaveIds, digits: 2 },
        { value: result.grafts, digits: 3 },
        `${result.latencyMs.p50.toFixed(1)} / ${result.latencyMs.p99.toFixed(1)}`,
        { value: result.latencyMs.max, digits: 1 },
        { value: result.wallS, digits: 1 },
      ]);
    }
    const what = `N=${peers} loss ${loss} plumtree / flood`;
    notes.push([
      what,
      `  ${what} (baseline): full copies ×${ratio(plumtree.copies, flood.copies, `${what} copies`).toFixed(2)}, ` +
        `time to all ×${ratio(plumtree.latencyMs.max, flood.latencyMs.max, `${what} time to all`).toFixed(2)}, ` +
        `delivery ${(plumtree.delivery * 100).toFixed(2)}% vs ${(flood.delivery * 100).toFixed(2)}%`,
    ]);
  }
  printTable(
    [
      "N policy loss",
      "delivery",
      "copies/peer/msg",
      "ihave ids/peer/msg",
      "grafts/peer/msg",
      "latency p50 / p99 ms",
      "time to all ms",
      "wall s",
    ],
    rows,
  );
  for (const [what, line] of notes) printRow(what, line);
}
