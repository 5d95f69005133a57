import { hexToBytes } from "@noble/hashes/utils.js";
import { createSimulation } from "@p2p/sim";
import { createMachineHost, createSeededRandom, type MachineHost } from "@p2p/wire";
import { nodeEd25519Signer, nodeVerifyEd25519 } from "@p2p/wire/node-crypto";
import {
  createLiveness,
  type DeadEvidence,
  keyPairFromSeed,
  type Liveness,
  type LivenessConfigInput,
  type LivenessInput,
  type LivenessMessage,
  type LivenessOutput,
  livenessProfiles,
  type MemberStatus,
  validateDeadEvidence,
} from "../src/index.js";
import type { Overlay } from "./overlay.js";

/** Options of {@link livenessNetwork}. */
export interface LivenessNetworkOptions {
  /**
   * Feed each peer the seeds' directory lists of its neighbours (`member-neighbours`) at the
   * start, as a host does after fetching the member list. Default true.
   */
  directory?: boolean;
}

/**
 * Peers running liveness on the simulated network, plus a stand-in seed that validates reports
 * (and, for a suspect with too few neighbours, "probes" it by asking the simulation). Votes are
 * signed and checked with node:crypto's Ed25519, as the apps do: the same signatures as the
 * portable default (RFC 8032 is deterministic), so a seed replays the same run either way.
 */
export function livenessNetwork(
  overlay: Overlay,
  seed: number,
  lossRate: number,
  profile: Partial<LivenessConfigInput> = livenessProfiles.fast,
  options: LivenessNetworkOptions = {},
) {
  const sim = createSimulation({ seed, link: { latencyMs: 10, jitterMs: 5, lossRate } });
  const random = createSeededRandom(seed, "liveness-network");
  const addresses = [...overlay.keys()].sort();
  const machines = new Map<string, Liveness>();
  const hosts = new Map<string, MachineHost<LivenessInput>>();
  const publicKeys = new Map<string, string>();
  const status = new Map<string, MemberStatus>();
  const accepted = new Map<string, { atMs: number; evidence: DeadEvidence }>();
  const rejected: string[] = [];
  /** Dead Node lines printed by peers, with the suspect each is about. */
  const reports: { suspect: string; line: string }[] = [];
  /** Probe requests sent to the seeds (no line printed). */
  const probeRequests: { suspect: string; reporter: string }[] = [];
  /** Suspicions of peers that were up: what a naive "3 misses and report" detector would have reported. */
  let naiveFalseReports = 0;
  const wallBase = 1_760_000_000_000;

  const seedView = {
    neighboursOf: (address: string) => [...(overlay.get(address) ?? [])],
    publicKeyOf: (address: string) => publicKeys.get(address),
    statusOf: (address: string) => status.get(address),
  };

  /**
   * Tells every live peer that knows of the removed member: its neighbours, and theirs (a peer
   * holds the neighbour lists of its neighbours, and counts on their votes). No other peer holds
   * any state about it, so telling everyone would change nothing but the cost.
   */
  const tellNeighbours = (dead: string) => {
    const near = new Set<string>();
    for (const neighbour of overlay.get(dead) ?? []) {
      near.add(neighbour);
      for (const next of overlay.get(neighbour) ?? []) near.add(next);
    }
    for (const address of [...near].sort()) {
      if (address !== dead && sim.isUp(address) && status.get(address)?.status === "alive") {
        apply(address, { type: "member-removed", now: sim.now(), address: dead });
      }
    }
  };

  function seedReceives(evidence: DeadEvidence) {
    const verdict = validateDeadEvidence(evidence, seedView, {
      nowMs: wallBase + sim.now(),
      maxVoteAgeMs: 120_000,
      verify: nodeVerifyEd25519,
    });
    // needs-probe: the seed probes the suspect itself; here, asking the simulation stands in for that.
    const acceptNow =
      verdict.verdict === "accept" ||
      (verdict.verdict === "needs-probe" && !sim.isUp(evidence.suspect));
    if (acceptNow) {
      const member = status.get(evidence.suspect) as MemberStatus;
      status.set(evidence.suspect, { status: "dead", incarnation: member.incarnation });
      accepted.set(evidence.suspect, { atMs: sim.now(), evidence });
      tellNeighbours(evidence.suspect);
    } else if (verdict.verdict === "reject") {
      rejected.push(`${evidence.suspect}: ${verdict.reason}`);
    }
  }

  function applyOutput(address: string, output: LivenessOutput) {
    if (output.type === "send") sim.send(address, output.to, output.message);
    else if (output.event.type === "peer-suspected" && sim.isUp(output.event.suspect))
      naiveFalseReports++;
    else if (output.event.type === "dead-report") {
      reports.push({ suspect: output.event.suspect, line: output.event.line });
      const evidence = output.event.evidence;
      sim.clock.setTimer(15, () => seedReceives(evidence));
    } else if (output.event.type === "probe-request") {
      probeRequests.push({ suspect: output.event.suspect, reporter: address });
      const evidence = output.event.evidence;
      sim.clock.setTimer(15, () => seedReceives(evidence));
    }
  }

  /** Steps one peer's machine through the one machine host (timers on the simulator's clock). */
  function apply(address: string, input: LivenessInput) {
    hosts.get(address)?.step({ ...input, wallTimeMs: wallBase + input.now });
  }

  for (const address of addresses) {
    const keySeed = new Uint8Array(32).map(() => Math.floor(random.next() * 256));
    const keys = keyPairFromSeed(keySeed);
    publicKeys.set(address, keys.publicKey);
    status.set(address, { status: "alive", incarnation: 0 });
    const machine = createLiveness(
      { ...profile, self: address },
      { random: sim.random(address), sign: nodeEd25519Signer(hexToBytes(keys.secretKey)).sign },
    );
    machines.set(address, machine);
    hosts.set(
      address,
      createMachineHost({
        clock: sim.clockFor(address),
        machine,
        tick: (now) => ({ type: "tick", now, wallTimeMs: wallBase + now }),
        apply: (output) => applyOutput(address, output),
      }),
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
    if (options.directory === false) continue;
    for (const neighbour of [...(overlay.get(address) ?? [])].sort()) {
      apply(address, {
        type: "member-neighbours",
        now: sim.now(),
        address: neighbour,
        neighbours: [...(overlay.get(neighbour) ?? [])],
      });
    }
  }
  return {
    sim,
    addresses,
    machines,
    accepted,
    rejected,
    reports,
    probeRequests,
    status,
    naiveFalseReports: () => naiveFalseReports,
  };
}
