import { parseSeed } from "@p2p/sim";
import { chooseNeighbours } from "@p2p/topology";
import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { type Delivery, gossipNetwork } from "./network.js";
import {
  addressOf,
  distancesFrom,
  link,
  type Overlay,
  preferentialAttachment,
  summary,
} from "./overlay.js";

const SEED = parseSeed(process.env.P2P_SEED) ?? 20_261_124;

function withSeed(seed: number, body: () => void) {
  try {
    body();
  } catch (error) {
    console.error(`gossip simulation failed with seed ${seed}; replay with P2P_SEED=${seed}`);
    throw error;
  }
}

/**
 * Peers join in index order, `spacingMs` apart: a joiner connects to its overlay neighbours
 * that joined before it (as preferential attachment grew them), and they to it.
 */
function joinOneByOne(
  net: ReturnType<typeof gossipNetwork>,
  overlay: Overlay,
  spacingMs: number,
): void {
  const order = [...overlay.keys()].sort((a, b) => indexOf(a) - indexOf(b));
  const joined = new Set<string>();
  const connected = new Map<string, Set<string>>(order.map((a) => [a, new Set()]));
  order.forEach((joiner, position) => {
    net.sim.clock.setTimer(position * spacingMs, () => {
      joined.add(joiner);
      const earlier = [...(overlay.get(joiner) ?? [])].filter((n) => joined.has(n)).sort();
      for (const neighbour of earlier) {
        connected.get(joiner)?.add(neighbour);
        connected.get(neighbour)?.add(joiner);
      }
      net.setNeighbours(joiner, connected.get(joiner) ?? []);
      for (const neighbour of earlier) net.setNeighbours(neighbour, connected.get(neighbour) ?? []);
    });
  });
}

const indexOf = (address: string) => {
  const [, b, c] = address.split(".").map(Number);
  return (b ?? 0) * 256 + (c ?? 0);
};

/** Deliveries per (receiving peer, origin) and per (receiving peer, message id). */
function tally(deliveries: readonly Delivery[]) {
  const perPeerAndOrigin = new Map<string, Set<string>>();
  const perPeerAndId = new Map<string, number>();
  for (const delivery of deliveries) {
    const key = `${delivery.at}<${delivery.origin}`;
    perPeerAndOrigin.set(key, (perPeerAndOrigin.get(key) ?? new Set()).add(delivery.id));
    const idKey = `${delivery.at}<${delivery.id}`;
    perPeerAndId.set(idKey, (perPeerAndId.get(idKey) ?? 0) + 1);
  }
  return { perPeerAndOrigin, perPeerAndId };
}

describe("gossip with late joiners (the seed document's generator, peers joining over 10 s)", () => {
  const peers = 40;
  const spacingMs = 10_000 / (peers - 1);

  it("with catch-up, every peer delivers all 10 messages of every other peer exactly once", () => {
    withSeed(SEED + 3, () => {
      const overlay = preferentialAttachment(peers, 2, createSeededRandom(SEED + 3));
      const net = gossipNetwork(overlay, SEED + 3, {
        generator: { intervalMs: 5000, count: 10 },
        lossRate: 0,
      });
      joinOneByOne(net, overlay, spacingMs);
      net.sim.runUntilIdle({ maxTimeMs: 120_000 });

      const { perPeerAndOrigin, perPeerAndId } = tally(net.deliveries);
      const missing: string[] = [];
      for (const at of net.addresses)
        for (const origin of net.addresses) {
          if (at === origin) continue;
          const got = perPeerAndOrigin.get(`${at}<${origin}`)?.size ?? 0;
          if (got !== 10) missing.push(`${at} has ${got}/10 from ${origin}`);
        }
      expect(missing).toEqual([]);
      for (const count of perPeerAndId.values()) expect(count).toBe(1);
      expect(net.deliveries.length).toBe(peers * (peers - 1) * 10);
      for (const crossings of net.linkCrossings.values()) expect(crossings).toBe(1);

      let caughtUp = 0;
      let sent = 0;
      for (const machine of net.machines.values()) {
        caughtUp += machine.inspect().counters.caughtUp;
        sent += machine.inspect().counters.sent;
      }
      expect(caughtUp).toBeGreaterThan(0);
      console.log(
        `[gossip late joiners seed=${SEED + 3}] peers=${peers} joined over 10 s: deliveries=${net.deliveries.length} ` +
          `copies sent=${sent} of which catch-up=${caughtUp}`,
      );
    });
  }, 30_000);

  it("without catch-up, late joiners miss the messages made before they connected", () => {
    withSeed(SEED + 3, () => {
      const overlay = preferentialAttachment(peers, 2, createSeededRandom(SEED + 3));
      const net = gossipNetwork(overlay, SEED + 3, {
        generator: { intervalMs: 5000, count: 10 },
        catchUp: false,
      });
      joinOneByOne(net, overlay, spacingMs);
      net.sim.runUntilIdle({ maxTimeMs: 120_000 });
      const { perPeerAndId } = tally(net.deliveries);
      for (const count of perPeerAndId.values()) expect(count).toBe(1);
      expect(net.deliveries.length).toBeLessThan(peers * (peers - 1) * 10);
      const last = net.addresses.slice().sort((a, b) => indexOf(b) - indexOf(a))[0] as string;
      const first = net.addresses.slice().sort((a, b) => indexOf(a) - indexOf(b))[0] as string;
      // The first peer's first message was made ~10 s before the last peer joined.
      const fromFirst = net.deliveries.filter((d) => d.at === last && d.origin === first).length;
      expect(fromFirst).toBeLessThan(10);
    });
  }, 30_000);
});

describe("gossip on a simulated power-law overlay", () => {
  it("1,000 peers: every message from every sampled origin reaches every peer, each link crossed at most once", () => {
    withSeed(SEED, () => {
      const random = createSeededRandom(SEED);
      const overlay = preferentialAttachment(1000, 2, random);
      const net = gossipNetwork(overlay, SEED);
      net.connect();
      // 100 origins per run (different ones per seed, always including the busiest hub and a leaf);
      // the benchmark publishes from all 1,000.
      const byDegree = net.addresses
        .slice()
        .sort((a, b) => (overlay.get(b)?.size ?? 0) - (overlay.get(a)?.size ?? 0));
      const origins = new Set([byDegree[0] as string, byDegree.at(-1) as string]);
      while (origins.size < 100)
        origins.add(net.addresses[Math.floor(random.next() * net.addresses.length)] as string);
      for (const origin of [...origins].sort()) {
        net.apply(origin, {
          type: "publish",
          now: net.sim.now(),
          payload: new TextEncoder().encode(`from ${origin}`),
        });
      }
      net.sim.runUntilIdle({ maxTimeMs: 60_000 });

      const peers = net.addresses.length;
      const messages = origins.size;
      expect(net.deliveries.length).toBe(messages * (peers - 1));
      const perMessage = new Map<string, number>();
      for (const delivery of net.deliveries)
        perMessage.set(delivery.id, (perMessage.get(delivery.id) ?? 0) + 1);
      expect(perMessage.size).toBe(messages);
      for (const count of perMessage.values()) expect(count).toBe(peers - 1);
      for (const crossings of net.linkCrossings.values()) expect(crossings).toBe(1);

      let received = 0;
      for (const machine of net.machines.values()) received += machine.inspect().counters.received;
      const diameter = Math.max(
        ...[addressOf(0), addressOf(999)].map((a) =>
          Math.max(...distancesFrom(overlay, a).values()),
        ),
      );
      const hops = summary(net.deliveries.map((d) => d.hops));
      const latency = summary(net.deliveries.map((d) => d.atMs - (net.publishedAt.get(d.id) ?? 0)));
      const copies = received / (messages * (peers - 1));
      console.log(
        `[gossip 1000 peers, ${messages} origins, seed=${SEED}] links=${[...overlay.values()].reduce((s, n) => s + n.size, 0) / 2} ` +
          `eccentricity≥${diameter} hops=${JSON.stringify(hops)} latencyMs=${JSON.stringify(latency)} ` +
          `copies per peer per message=${copies.toFixed(2)} sim events=${JSON.stringify(net.sim.stats)}`,
      );
      // Latency is bounded by the longest hop path times the worst link delay (10 ms + 5 ms jitter).
      expect(latency.max).toBeLessThanOrEqual(hops.max * 15 + 1);
    });
  }, 60_000);

  it("10% of peers crash: once their neighbours drop them and re-link, every later message reaches all live peers", () => {
    withSeed(SEED + 1, () => {
      const random = createSeededRandom(SEED + 1);
      const overlay = preferentialAttachment(300, 2, random);
      const net = gossipNetwork(overlay, SEED + 1);
      net.connect();
      const crashed = new Set(net.addresses.filter(() => random.next() < 0.1));
      for (const address of crashed) net.sim.crash(address);
      const live = net.addresses.filter((a) => !crashed.has(a));
      // What the host does when liveness reports a neighbour dead: drop it, re-link below 2 neighbours.
      for (const address of live) for (const dead of crashed) overlay.get(address)?.delete(dead);
      for (const address of live) {
        const neighbours = overlay.get(address) as Set<string>;
        while (neighbours.size < 2) {
          const [target] = chooseNeighbours({
            joiner: address,
            candidates: live
              .filter((a) => !neighbours.has(a))
              .map((a) => ({ address: a, degree: overlay.get(a)?.size ?? 0 })),
            k: 1,
            random,
          });
          if (target === undefined) break;
          link(overlay, address, target);
        }
      }
      net.connect();
      for (const origin of live) {
        net.apply(origin, {
          type: "publish",
          now: net.sim.now(),
          payload: new TextEncoder().encode(`after ${origin}`),
        });
      }
      net.sim.runUntilIdle({ maxTimeMs: 60_000 });
      const perMessage = new Map<string, Set<string>>();
      for (const delivery of net.deliveries) {
        perMessage.set(
          delivery.id,
          (perMessage.get(delivery.id) ?? new Set()).add(delivery.origin),
        );
      }
      expect(perMessage.size).toBe(live.length);
      const counts = new Map<string, number>();
      for (const delivery of net.deliveries)
        counts.set(delivery.id, (counts.get(delivery.id) ?? 0) + 1);
      for (const count of counts.values()) expect(count).toBe(live.length - 1);
      console.log(
        `[gossip crash seed=${SEED + 1}] crashed=${crashed.size} live=${live.length} delivered to all`,
      );
    });
  }, 60_000);

  it("a long run (1 h virtual, steady traffic) keeps every message list within its cap", () => {
    withSeed(SEED + 2, () => {
      const overlay = preferentialAttachment(30, 2, createSeededRandom(SEED + 2));
      const cap = 200;
      const net = gossipNetwork(overlay, SEED + 2, {
        maxEntries: cap,
        ttlMs: 120_000,
        lossRate: 0.01,
      });
      net.connect();
      let largest = 0;
      let counter = 0;
      const publishEvery = 1000;
      const origins = net.addresses;
      const schedule = () =>
        net.sim.clock.setTimer(publishEvery, () => {
          const origin = origins[counter % origins.length] as string;
          counter++;
          net.apply(origin, {
            type: "publish",
            now: net.sim.now(),
            payload: new TextEncoder().encode(`m${counter}`),
          });
          for (const machine of net.machines.values())
            largest = Math.max(largest, machine.inspect().messageListSize);
          if (net.sim.now() < 3_600_000) schedule();
        });
      schedule();
      net.sim.runUntilIdle({ maxTimeMs: 3_700_000 });
      expect(counter).toBeGreaterThan(3000);
      expect(largest).toBeLessThanOrEqual(cap);
      console.log(
        `[gossip long run seed=${SEED + 2}] messages=${counter} largest message list=${largest} cap=${cap}`,
      );
    });
  }, 60_000);
});

describe("gossip under attack on a simulated power-law overlay", () => {
  it("forged messages injected by one peer reach nobody, and the genuine message still reaches everyone", () => {
    withSeed(SEED + 4, () => {
      const overlay = preferentialAttachment(200, 2, createSeededRandom(SEED + 4));
      const net = gossipNetwork(overlay, SEED + 4);
      net.connect();
      const attacker = addressOf(7);
      const victim = addressOf(150);
      const payload = new TextEncoder().encode("victim leaves the network");
      const forged = net.identities.message(victim, payload, { signedBy: attacker });
      // To its neighbours (signature check) and to every other peer (neighbour check).
      for (const to of net.addresses) if (to !== attacker) net.sim.send(attacker, to, forged);
      net.sim.runUntilIdle({ maxTimeMs: 60_000 });
      expect(net.deliveries).toEqual([]);
      let badSignature = 0;
      let notNeighbour = 0;
      for (const machine of net.machines.values()) {
        badSignature += machine.inspect().rejections["bad-signature"];
        notNeighbour += machine.inspect().rejections["not-neighbour"];
      }
      const attackerDegree = overlay.get(attacker)?.size ?? 0;
      expect(badSignature).toBe(attackerDegree);
      expect(notNeighbour).toBe(net.addresses.length - 1 - attackerDegree);

      // The victim then publishes the same payload (same id): every other peer delivers it once.
      net.apply(victim, { type: "publish", now: net.sim.now(), payload });
      net.sim.runUntilIdle({ maxTimeMs: 120_000 });
      expect(net.deliveries.map((d) => d.id)).toEqual(
        Array.from({ length: net.addresses.length - 1 }, () => forged.id),
      );
      console.log(
        `[gossip attack seed=${SEED + 4}] forged copies rejected: bad-signature=${badSignature} ` +
          `not-neighbour=${notNeighbour}; genuine message delivered to ${net.deliveries.length} peers`,
      );
    });
  }, 60_000);
});
