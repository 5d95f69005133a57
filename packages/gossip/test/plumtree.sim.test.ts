import { parseSeed } from "@p2p/sim";
import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { GossipConfigInput } from "../src/index.js";
import { type GossipNetworkOptions, gossipNetwork } from "./network.js";
import { type Overlay, preferentialAttachment, summary } from "./overlay.js";

const SEED = parseSeed(process.env.P2P_SEED) ?? 20_261_207;

/** Runs `body`; on failure names the seed, and the P2P_SEED that replays it (`replay`). */
function withSeed(seed: number, body: () => void, replay = seed) {
  try {
    body();
  } catch (error) {
    console.error(`plumtree simulation failed with seed ${seed}; replay with P2P_SEED=${replay}`);
    throw error;
  }
}

const PLUMTREE = {
  type: "plumtree",
  maxMissing: 256,
  maxMissingPerNeighbour: 64,
  cache: { maxMessages: 128 },
} as const satisfies GossipConfigInput["forwarding"];

/**
 * `messages` messages from origins drawn at random, one every `gapMs`, on a network where
 * every live peer is connected to its overlay neighbours; runs until nothing is left to do.
 * Samples the largest missing table and cache of any peer after every publish.
 */
function disseminate(
  overlay: Overlay,
  seed: number,
  lossRate: number,
  messages: number,
  gapMs: number,
  links: Pick<GossipNetworkOptions, "inOrder" | "latencyMs" | "jitterMs"> = {},
) {
  const net = gossipNetwork(overlay, seed, {
    lossRate,
    forwarding: PLUMTREE,
    catchUp: false,
    ...links,
  });
  const random = createSeededRandom(seed, "origins");
  net.connect();
  let published = 0;
  let largestMissing = 0;
  let largestCache = 0;
  const next = () =>
    net.sim.clock.setTimer(gapMs, () => {
      const origin = net.addresses[Math.floor(random.next() * net.addresses.length)] as string;
      net.publish(origin, `message ${published} from ${origin}`);
      published++;
      for (const machine of net.machines.values()) {
        const view = machine.inspect().plumtree;
        largestMissing = Math.max(largestMissing, view?.missing ?? 0);
        largestCache = Math.max(largestCache, view?.cached ?? 0);
      }
      if (published < messages) next();
    });
  next();
  expect(net.sim.runUntilIdle({ maxTimeMs: 600_000 })).toBe(true);
  let received = 0;
  const totals = { ihaveIds: 0, ihaveFrames: 0, grafts: 0, prunes: 0 };
  for (const machine of net.machines.values()) {
    const { counters } = machine.inspect();
    received += counters.received;
    totals.ihaveIds += counters.ihaveIdsSent;
    totals.ihaveFrames += counters.ihaveSent;
    totals.grafts += counters.graftsSent;
    totals.prunes += counters.prunesSent;
  }
  return { net, published, received, totals, largestMissing, largestCache };
}

describe("plumtree on a simulated power-law overlay with frame loss", () => {
  it("1,000 peers, 10% loss: every message reaches every peer exactly once, ≤ 1.5 full copies per peer per message", () => {
    withSeed(SEED, () => {
      const peers = 1000;
      const messages = 40;
      const overlay = preferentialAttachment(peers, 2, createSeededRandom(SEED));
      const run = disseminate(overlay, SEED, 0.1, messages, 20);
      const { net } = run;
      expect(run.published).toBe(messages);
      const perPeerAndId = new Map<string, number>();
      for (const delivery of net.deliveries) {
        const key = `${delivery.at}<${delivery.id}`;
        perPeerAndId.set(key, (perPeerAndId.get(key) ?? 0) + 1);
      }
      const expected = messages * (peers - 1);
      expect(perPeerAndId.size).toBe(expected); // every peer but the origin has every message
      expect(net.deliveries.length).toBe(expected); // first receipt only: none twice
      const copies = run.received / expected;
      const latency = summary(net.deliveries.map((d) => d.atMs - (net.publishedAt.get(d.id) ?? 0)));
      console.log(
        `[plumtree ${peers} peers, ${messages} messages, 10% loss, seed=${SEED}] delivered 100% ` +
          `full copies per peer per message=${copies.toFixed(3)} ` +
          `ihave ids=${(run.totals.ihaveIds / expected).toFixed(2)} grafts=${(run.totals.grafts / expected).toFixed(3)} ` +
          `prunes=${(run.totals.prunes / expected).toFixed(3)} per peer per message; latencyMs=${JSON.stringify(latency)} ` +
          `largest missing table=${run.largestMissing} cache=${run.largestCache} dropped by loss=${net.sim.stats.droppedBy.loss}`,
      );
      expect(copies).toBeLessThanOrEqual(1.5);
      expect(net.sim.stats.droppedBy.loss).toBeGreaterThan(0);
      expect(run.largestMissing).toBeLessThanOrEqual(PLUMTREE.maxMissing);
      expect(run.largestCache).toBeLessThanOrEqual(PLUMTREE.cache.maxMessages);
    });
  }, 90_000);

  it("late joiners with catch-up, five seeds: every peer delivers all 10 messages of every other peer exactly once (5% loss)", () => {
    // A catch-up copy is sent once; lost, it was repaired only by the re-announcement rounds
    // of its message, which may all have passed before the peer joined (2 of these 5 seeds).
    for (let offset = 1; offset <= 5; offset++) {
      const seed = SEED + offset;
      withSeed(
        seed,
        () => {
          const peers = 40;
          const overlay = preferentialAttachment(peers, 2, createSeededRandom(seed));
          const net = gossipNetwork(overlay, seed, {
            generator: { intervalMs: 5000, count: 10 },
            forwarding: PLUMTREE,
            lossRate: 0.05,
          });
          // Peer i joins at i × 250 ms and links to its overlay neighbours that joined before it.
          const order = [...overlay.keys()];
          const connected = new Map<string, Set<string>>(order.map((a) => [a, new Set()]));
          order.forEach((joiner, position) => {
            net.sim.clock.setTimer(position * 250, () => {
              const earlier = [...(overlay.get(joiner) ?? [])].filter(
                (n) => order.indexOf(n) < position,
              );
              for (const neighbour of earlier) {
                connected.get(joiner)?.add(neighbour);
                connected.get(neighbour)?.add(joiner);
              }
              net.setNeighbours(joiner, connected.get(joiner) ?? []);
              for (const neighbour of earlier)
                net.setNeighbours(neighbour, connected.get(neighbour) ?? []);
            });
          });
          expect(net.sim.runUntilIdle({ maxTimeMs: 300_000 })).toBe(true);
          const perPeerAndId = new Map<string, number>();
          for (const delivery of net.deliveries) {
            const key = `${delivery.at}<${delivery.id}`;
            perPeerAndId.set(key, (perPeerAndId.get(key) ?? 0) + 1);
          }
          expect(perPeerAndId.size).toBe(peers * (peers - 1) * 10);
          expect(net.deliveries.length).toBe(peers * (peers - 1) * 10);
          let caughtUp = 0;
          for (const machine of net.machines.values())
            caughtUp += machine.inspect().counters.caughtUp;
          expect(caughtUp).toBeGreaterThan(0);
        },
        SEED,
      );
    }
  }, 60_000);

  it("30 peers, a message every 33 ms from a random origin, in-order links of 3–13 ms: the tree holds, no message waits for a graft, and it takes at most 60% of flooding's frames", () => {
    // Two messages in flight can each prune a different link of one cycle (each a duplicate
    // at the time), cutting the tree: the peers beyond it then wait for an announcement and a
    // graft (missingTimeoutMs, 300 ms) for message after message. Uneven delays make this
    // common; a link is pruned only after several duplicates in a row.
    for (let offset = 0; offset < 5; offset++) {
      const seed = SEED + 10 + offset;
      withSeed(
        seed,
        () => {
          const peers = 30;
          const messages = 300;
          const overlay = preferentialAttachment(peers, 2, createSeededRandom(seed));
          const run = disseminate(overlay, seed, 0, messages, 33, {
            inOrder: true,
            latencyMs: 3,
            jitterMs: 10,
          });
          const received = new Map<string, number>();
          for (const delivery of run.net.deliveries)
            received.set(delivery.id, (received.get(delivery.id) ?? 0) + 1);
          expect(received.size).toBe(messages);
          expect([...received.values()].every((count) => count === peers - 1)).toBe(true);
          expect(run.totals.grafts).toBeLessThanOrEqual(messages / 10);
          // Frames, not bytes, are what a message costs between real processes (a system call
          // and a wake-up each). Flooding sends every message over every link once each way,
          // except back to the peer it came from: 2 × links − (peers − 1) frames. Announcements
          // sent at the end of each step (an announcement delay of 0) took 76 frames per
          // message on top of the tree's 29 copies, more than flooding's 85; held for the
          // default announceDelayMs, ids for one neighbour share a frame.
          const links = [...overlay.values()].reduce((sum, set) => sum + set.size, 0) / 2;
          const floodFrames = 2 * links - (peers - 1);
          const frames =
            run.received + run.totals.ihaveFrames + run.totals.grafts + run.totals.prunes;
          expect(frames / messages).toBeLessThanOrEqual(0.6 * floodFrames);
        },
        SEED,
      );
    }
  }, 60_000);
});
