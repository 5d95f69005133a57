import { createSimulation, parseSeed } from "@p2p/sim";
import type { RandomSource, TimerHandle } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import {
  createLiveness,
  type DeadEvidence,
  keyPairFromSeed,
  type Liveness,
  type LivenessInput,
  type LivenessMessage,
  livenessProfiles,
  type MemberStatus,
  validateDeadEvidence,
} from "../src/index.js";
import { link, type Overlay, pickPreferential, preferentialAttachment } from "./overlay.js";

const SEED = parseSeed(process.env.P2P_SEED) ?? 20_261_124;

function seeded32(seed: number): RandomSource {
  let state = (seed >>> 0) ^ 0x85ebca6b || 1;
  return {
    next() {
      state ^= state << 13;
      state ^= state >>> 17;
      state ^= state << 5;
      return (state >>> 0) / 2 ** 32;
    },
  };
}

/** Peers running liveness on the simulated network, plus a stand-in seed that validates reports. */
export function livenessNetwork(overlay: Overlay, seed: number, lossRate: number) {
  const sim = createSimulation({ seed, link: { latencyMs: 10, jitterMs: 5, lossRate } });
  const random = seeded32(seed);
  const addresses = [...overlay.keys()].sort();
  const machines = new Map<string, Liveness>();
  const timers = new Map<string, { at: number; handle: TimerHandle }>();
  const publicKeys = new Map<string, string>();
  const status = new Map<string, MemberStatus>();
  const accepted = new Map<string, { atMs: number; evidence: DeadEvidence }>();
  const rejected: string[] = [];
  const reports: string[] = [];
  const wallBase = 1_760_000_000_000;

  const seedView = {
    neighboursOf: (address: string) => [...(overlay.get(address) ?? [])],
    publicKeyOf: (address: string) => publicKeys.get(address),
    statusOf: (address: string) => status.get(address),
  };

  const removeEverywhere = (dead: string) => {
    for (const address of addresses) {
      if (address !== dead && sim.isUp(address) && status.get(address)?.status === "alive") {
        apply(address, { type: "member-removed", now: sim.now(), address: dead });
      }
    }
  };

  function seedReceives(evidence: DeadEvidence) {
    const verdict = validateDeadEvidence(evidence, seedView, {
      nowMs: wallBase + sim.now(),
      maxVoteAgeMs: 30_000,
    });
    // needs-probe: the seed probes the suspect itself; here, asking the simulation stands in for that.
    const acceptNow =
      verdict.verdict === "accept" ||
      (verdict.verdict === "needs-probe" && !sim.isUp(evidence.suspect));
    if (acceptNow) {
      const member = status.get(evidence.suspect) as MemberStatus;
      status.set(evidence.suspect, { status: "dead", incarnation: member.incarnation });
      accepted.set(evidence.suspect, { atMs: sim.now(), evidence });
      removeEverywhere(evidence.suspect);
    } else if (verdict.verdict === "reject") {
      rejected.push(`${evidence.suspect}: ${verdict.reason}`);
    }
  }

  function apply(address: string, input: LivenessInput) {
    const machine = machines.get(address) as Liveness;
    for (const output of machine.step({ ...input, wallTimeMs: wallBase + input.now })) {
      if (output.type === "send") sim.send(address, output.to, output.message);
      else if (output.event.type === "dead-report") {
        reports.push(output.event.line);
        const evidence = output.event.evidence;
        sim.clock.setTimer(15, () => seedReceives(evidence));
      }
    }
    const deadline = machine.nextDeadline();
    const current = timers.get(address);
    if (deadline === current?.at) return;
    current?.handle.cancel();
    timers.delete(address);
    if (deadline !== undefined) {
      const handle = sim.clockFor(address).setTimer(deadline - sim.now(), () => {
        timers.delete(address);
        apply(address, { type: "tick", now: sim.now() });
      });
      timers.set(address, { at: deadline, handle });
    }
  }

  for (const address of addresses) {
    const keySeed = new Uint8Array(32).map(() => Math.floor(random.next() * 256));
    const keys = keyPairFromSeed(keySeed);
    publicKeys.set(address, keys.publicKey);
    status.set(address, { status: "alive", incarnation: 0 });
    machines.set(
      address,
      createLiveness(
        { ...livenessProfiles.fast, self: address, secretKey: keys.secretKey },
        { random: sim.random(address) },
      ),
    );
    sim.addNode(address, (from, message) =>
      apply(address, {
        type: "receive",
        now: sim.now(),
        from,
        message: message as LivenessMessage,
      }),
    );
  }
  for (const address of addresses) {
    apply(address, {
      type: "neighbours",
      now: sim.now(),
      neighbours: [...(overlay.get(address) ?? [])],
    });
  }
  return { sim, addresses, machines, accepted, rejected, reports, status };
}

function withSeed(seed: number, body: () => void) {
  try {
    body();
  } catch (error) {
    console.error(`liveness simulation failed with seed ${seed}; replay with P2P_SEED=${seed}`);
    throw error;
  }
}

describe("liveness on a simulated power-law overlay (fast profile)", () => {
  it("10% of peers crash at once: every crashed peer with a live neighbour is removed, no live peer is", () => {
    withSeed(SEED, () => {
      const random = seeded32(SEED + 7);
      const overlay = preferentialAttachment(200, 3, random);
      const net = livenessNetwork(overlay, SEED, 0.05);
      net.sim.runFor(5_000);
      const crashed = net.addresses.filter(() => random.next() < 0.1);
      const crashAt = net.sim.now();
      for (const address of crashed) net.sim.crash(address);
      const crashedSet = new Set(crashed);
      const detectable = crashed.filter((a) =>
        [...(overlay.get(a) ?? [])].some((n) => !crashedSet.has(n)),
      );
      net.sim.runUntil(() => detectable.every((a) => net.accepted.has(a)), { timeoutMs: 60_000 });
      net.sim.runFor(10_000);
      const missing = detectable.filter((a) => !net.accepted.has(a));
      const falselyRemoved = [...net.accepted.keys()].filter((a) => !crashedSet.has(a));
      const times = detectable
        .map((a) => (net.accepted.get(a)?.atMs ?? Number.NaN) - crashAt)
        .sort((x, y) => x - y);
      console.log(
        `[liveness crash seed=${SEED}] peers=200 crashed=${crashed.length} detectable=${detectable.length} ` +
          `removed=${net.accepted.size} kill→accepted ms p50=${times[Math.floor(times.length / 2)]} max=${times.at(-1)} ` +
          `rejected reports=${net.rejected.length} sample line="${net.reports[0]}"`,
      );
      expect(missing).toEqual([]);
      expect(falselyRemoved).toEqual([]);
      expect(net.reports[0]).toMatch(/^Dead Node:\d+\.\d+\.\d+\.\d+:\d+:\d+:\d+\.\d+\.\d+\.\d+$/);
    });
  }, 60_000);

  it("5% loss and a one-way partition A→B between neighbours: B (and A) are not reported dead", () => {
    withSeed(SEED + 1, () => {
      const random = seeded32(SEED + 11);
      const overlay = preferentialAttachment(60, 2, random);
      const net = livenessNetwork(overlay, SEED + 1, 0.05);
      const a = net.addresses[10] as string;
      const b = [...(overlay.get(a) ?? [])].sort()[0] as string;
      net.sim.partition([a], [b], { oneWay: true });
      net.sim.runFor(120_000);
      let suspicions = 0;
      for (const machine of net.machines.values())
        suspicions += machine.inspect().counters.suspicions;
      console.log(
        `[liveness one-way seed=${SEED + 1}] A=${a} B=${b} suspicions=${suspicions} removed=${net.accepted.size} rejected=${JSON.stringify(net.rejected)}`,
      );
      expect(net.accepted.has(b)).toBe(false);
      expect(net.accepted.has(a)).toBe(false);
      expect([...net.accepted.keys()]).toEqual([]);
    });
  }, 60_000);
});

export { link, pickPreferential };
