import { assertNever, createTimeGuard } from "@p2p/wire";
import { createAliveVotes } from "./alive-votes.js";
import { linkedMembers, undirectedNeighbours } from "./directory.js";
import { DeadEvidenceSchema, type Pong } from "./messages.js";
import { budgetKey, createReportBudget } from "./report-budget.js";
import {
  isOrphan,
  needsSeedProbe,
  obeysProbeHint,
  orphanEvidence,
  seedMembershipView,
} from "./seed-evidence.js";
import type { SeedProberMessage } from "./seed-messages.js";
import {
  parseSeedProberConfig,
  type SeedProber,
  type SeedProberConfigInput,
  type SeedProberDependencies,
  type SeedProberInput,
  type SeedProberOutput,
} from "./seed-prober-types.js";

interface Probe {
  readonly incarnation: number;
  readonly startedAt: number;
  sent: number;
  nextAt: number | undefined;
  isAlive: boolean | undefined;
  /**
   * Begun on a peer's hint alone. An answer then is forgotten once it comes, not reused: the
   * suspicion behind the hint was false, and a report after a later, real death must be probed
   * afresh rather than dropped on that old answer.
   */
  isHint: boolean;
}

/** A report or an orphan waiting on probes. */
interface Waiting<Report> {
  readonly suspect: string;
  /** Probes still awaited: address → incarnation. */
  readonly awaiting: Map<string, number>;
  isSuspectDead: boolean;
  dueAt: number | undefined;
  readonly then:
    | {
        readonly type: "release";
        readonly from: string;
        readonly report: Report;
        readonly incarnation: number;
      }
    | { readonly type: "propose"; readonly incarnation: number };
}

/**
 * Creates a seed prober: answers liveness pings, probes a suspect (and its live neighbours
 * that did not vote) when a dead report cannot carry a neighbour majority, asks the other
 * seeds to probe too, probes members left without live neighbours after a removal, reuses a
 * recent outcome, and tells the host when a held report may go to the registry or when to
 * propose an orphan's removal. Every probe outcome goes to the registry as an input.
 */
export function createSeedProber<Report>(
  configInput: SeedProberConfigInput,
  dependencies: SeedProberDependencies = {},
): SeedProber<Report> {
  const config = parseSeedProberConfig(configInput);
  const { self } = config;
  const otherSeeds = config.seeds.filter((seed) => seed !== self);
  const guardTime = createTimeGuard(`seed prober ${self}`);
  let now = 0;
  let wallOffsetMs = 0;
  let nextWaitingId = 0;
  const probes = new Map<string, Probe>();
  const waiting = new Map<number, Waiting<Report>>();
  /** Checked alive votes per suspect; bounded by `maxProbes`. */
  const { verify } = dependencies;
  const aliveVotes = createAliveVotes({ ...config, maxEntries: config.maxProbes }, verify);
  const reportBudget = createReportBudget({ ...config, maxReporters: config.maxWaiting });
  const counters = {
    pingsSent: 0,
    probesStarted: 0,
    reportsHeld: 0,
    reportsReleased: 0,
    reportsDropped: 0,
    removalsProposed: 0,
    aliveVotesCounted: 0,
    reportsOverBudget: 0,
    probesRefused: 0,
    probeHintsObeyed: 0,
    probeHintsIgnored: 0,
  };
  let outputs: SeedProberOutput<Report>[] = [];

  const ping = (to: string, probe: Probe): void => {
    probe.sent += 1;
    probe.nextAt = now + config.probeIntervalMs;
    counters.pingsSent += 1;
    outputs.push({
      type: "send",
      to,
      message: { type: "liveness.ping", sequence: probe.sent, sentAtMs: now },
    });
  };

  /** Stops waiting on entry `id`; a held report goes to the registry as it is. */
  const letGo = (id: number, entry: Waiting<Report>): void => {
    waiting.delete(id);
    if (entry.then.type !== "release") return;
    counters.reportsReleased += 1;
    outputs.push({ type: "release-report", from: entry.then.from, report: entry.then.report });
  };

  /** Forgets finished probes older than the reuse window (nothing waits on them). */
  const expire = (): void => {
    for (const [address, probe] of probes) {
      if (probe.isAlive !== undefined && now - probe.startedAt >= config.probeReuseMs) {
        probes.delete(address);
      }
    }
    aliveVotes.expire(now);
  };

  /** True when an alive vote about `address` was counted after this seed's latest probe of it began. */
  const isAliveVoteNewer = (address: string, incarnation: number): boolean => {
    const aliveAt = aliveVotes.latestAt(address, incarnation);
    const probe = probes.get(address);
    return aliveAt !== undefined && (probe === undefined || probe.startedAt < aliveAt);
  };

  const isUnresponsive = (member: string): boolean => {
    const probe = probes.get(member);
    return probe?.isAlive === false && now - probe.startedAt < config.probeReuseMs;
  };

  /**
   * Probes `address` here. Returns the outcome when a recent one is reused, "pending" while a
   * probe runs, "refused" when the probe table is full.
   */
  const probeHere = (
    address: string,
    incarnation: number,
    isHint = false,
  ): boolean | "pending" | "refused" => {
    const existing = probes.get(address);
    if (existing !== undefined && existing.incarnation === incarnation) {
      if (existing.isAlive === undefined) {
        // A report or another seed now needs the probe a hint began: it counts as theirs.
        if (!isHint) existing.isHint = false;
        return "pending";
      }
      // An outcome older than an alive vote about the member is not reused: probe again.
      const isNewer =
        existing.startedAt >= (aliveVotes.latestAt(address, incarnation) ?? -Infinity);
      if (now - existing.startedAt < config.probeReuseMs && isNewer) return existing.isAlive;
    }
    if (existing === undefined && probes.size >= config.maxProbes) {
      counters.probesRefused += 1;
      return "refused";
    }
    if (existing !== undefined) probes.delete(address);
    if (existing !== undefined && existing.incarnation !== incarnation) {
      // Whatever waited on an older incarnation's probe will never hear of it: a held report
      // goes to the registry as it is (its acceptors decide without this probe); an orphan's
      // removal is not proposed.
      for (const [id, entry] of waiting) {
        if (entry.awaiting.get(address) === existing.incarnation) letGo(id, entry);
      }
    }
    const probe: Probe = {
      incarnation,
      startedAt: now,
      sent: 0,
      nextAt: undefined,
      isAlive: undefined,
      isHint,
    };
    probes.set(address, probe);
    counters.probesStarted += 1;
    ping(address, probe);
    return "pending";
  };

  /** Asks every other seed to probe `address`, and probes it here. */
  const probeEverywhere = (address: string, incarnation: number) => {
    for (const seed of otherSeeds) {
      outputs.push({
        type: "send",
        to: seed,
        message: { type: "liveness.seed-probe", address, incarnation },
      });
    }
    return probeHere(address, incarnation);
  };

  const resolve = (id: number, address: string, isAlive: boolean): void => {
    const entry = waiting.get(id);
    if (entry === undefined) return;
    entry.awaiting.delete(address);
    if (address === entry.suspect) {
      if (isAlive) {
        // It answered: the report is not passed on, the orphan is not removed.
        waiting.delete(id);
        if (entry.then.type === "release") counters.reportsDropped += 1;
        return;
      }
      entry.isSuspectDead = true;
    }
    // Decide one interval later, so the other seeds' probes have finished too.
    if (entry.awaiting.size === 0 && entry.isSuspectDead)
      entry.dueAt = now + config.probeIntervalMs;
  };

  const finish = (address: string, probe: Probe, isAlive: boolean): void => {
    probe.isAlive = isAlive;
    probe.nextAt = undefined;
    if (isAlive && probe.isHint) probes.delete(address);
    outputs.push({ type: "emit", event: { type: "seed-probe-finished", address, isAlive } });
    outputs.push({
      type: "probe-result",
      address,
      incarnation: probe.incarnation,
      isAlive,
      atMs: probe.startedAt,
    });
    for (const [id, entry] of waiting) {
      if (entry.awaiting.get(address) === probe.incarnation) resolve(id, address, isAlive);
    }
  };

  /** Starts waiting on probes of `targets` (suspect last); false when there is no room. */
  const wait = (
    suspect: string,
    targets: ReadonlyMap<string, number>,
    then: Waiting<Report>["then"],
  ): boolean => {
    if (waiting.size >= config.maxWaiting) return false;
    const id = nextWaitingId++;
    const entry: Waiting<Report> = {
      suspect,
      awaiting: new Map(targets),
      isSuspectDead: false,
      dueAt: undefined,
      then,
    };
    waiting.set(id, entry);
    const known: [string, boolean][] = [];
    for (const [address, incarnation] of targets) {
      const outcome = probeEverywhere(address, incarnation);
      if (outcome === "refused") {
        waiting.delete(id);
        return false;
      }
      if (outcome !== "pending") known.push([address, outcome]);
    }
    for (const [address, isAlive] of known) resolve(id, address, isAlive);
    return true;
  };

  const onDeadReport = (input: Extract<SeedProberInput<Report>, { type: "dead-report" }>) => {
    const { from, suspect, incarnation, report, records } = input;
    if (!reportBudget.allow(from, budgetKey(suspect, input.evidence), now)) {
      counters.reportsOverBudget += 1;
      return;
    }
    outputs.push({ type: "emit", event: { type: "dead-report-received", from, address: suspect } });
    const release = () => {
      counters.reportsReleased += 1;
      outputs.push({ type: "release-report", from, report });
    };
    const parsed = DeadEvidenceSchema.safeParse(input.evidence);
    const record = records.find((candidate) => candidate.address === suspect);
    const probe = probes.get(suspect);
    const aliveAt = aliveVotes.latestAt(suspect, incarnation);
    // A neighbour voted the suspect alive, and no probe of this seed failed since: probe first.
    const isContradicted =
      aliveAt !== undefined &&
      !(
        probe?.isAlive === false &&
        probe.incarnation === incarnation &&
        probe.startedAt >= aliveAt
      );
    if (!parsed.success || record?.status !== "alive" || record.incarnation !== incarnation) {
      release(); // the registry answers that nothing changes
      return;
    }
    if (
      !isContradicted &&
      !needsSeedProbe(parsed.data, seedMembershipView(records, suspect, isUnresponsive), {
        wallTimeMs: now + wallOffsetMs,
        maxVoteAgeMs: config.maxVoteAgeMs,
        verify,
      })
    ) {
      release(); // the registry decides on the votes alone
      // …unless they stop sufficing before it checks them (the suspect's neighbours drop it
      // from their lists): then this seed's own failed probe decides, so probe it here too.
      if (parsed.data.votes.length > 0) probeHere(suspect, incarnation);
      return;
    }
    // Too few neighbours can vote: every seed probes the suspect and its live neighbours that
    // did not vote (a crashed neighbour cannot vote and is then not waited for).
    const voted = new Set(parsed.data.votes.map((vote) => vote.voter));
    const byAddress = new Map(records.map((candidate) => [candidate.address, candidate]));
    const targets = new Map<string, number>();
    for (const member of undirectedNeighbours(suspect, records)) {
      const neighbour = byAddress.get(member);
      if (neighbour?.status === "alive" && !voted.has(member)) {
        targets.set(member, neighbour.incarnation);
      }
    }
    targets.set(suspect, incarnation);
    counters.reportsHeld += 1;
    if (!wait(suspect, targets, { type: "release", from, report, incarnation })) release();
  };

  const onProbeHint = (input: Extract<SeedProberInput<Report>, { type: "probe-hint" }>) => {
    const { from, suspect, incarnation, records } = input;
    if (!obeysProbeHint(from, suspect, incarnation, records)) {
      counters.probeHintsIgnored += 1;
      return;
    }
    counters.probeHintsObeyed += 1;
    probeHere(suspect, incarnation, true);
  };

  const onAliveVote = (input: Extract<SeedProberInput<Report>, { type: "alive-vote" }>) => {
    const vote = aliveVotes.count(input.vote, input.records, now, now + wallOffsetMs);
    if (vote === undefined) return;
    counters.aliveVotesCounted += 1;
    outputs.push({
      type: "emit",
      event: { type: "alive-vote-received", address: vote.suspect, voter: vote.voter },
    });
    if (!otherSeeds.includes(input.from) && input.from !== self) {
      for (const seed of otherSeeds) {
        outputs.push({ type: "send", to: seed, message: { type: "liveness.alive-vote", vote } });
      }
    }
    outputs.push({
      type: "alive-vote-recorded",
      address: vote.suspect,
      incarnation: vote.incarnation,
      atMs: now,
    });
  };

  const onMemberRemoved = (input: Extract<SeedProberInput<Report>, { type: "member-removed" }>) => {
    const { address, incarnation, records } = input;
    const byAddress = new Map(records.map((record) => [record.address, record]));
    // Everyone linked to it either way (a one-sided link too) may hold a connection to drop.
    const neighbours = linkedMembers(address, records);
    // A live member left with no live neighbour has nobody to notice its death: the seeds
    // probe it themselves and, when it does not answer, propose its removal with no votes.
    for (const member of neighbours) {
      const record = byAddress.get(member);
      if (record?.status !== "alive" || !isOrphan(member, records)) continue;
      wait(member, new Map([[member, record.incarnation]]), {
        type: "propose",
        incarnation: record.incarnation,
      });
    }
    // Tell the removed member (a live one re-registers) and its live neighbours (they drop it).
    for (const to of [...new Set([address, ...neighbours])].sort()) {
      if (to === address || byAddress.get(to)?.status === "alive") {
        outputs.push({ type: "removal-notice", to, address, incarnation });
      }
    }
  };

  const receive = (from: string, message: SeedProberMessage): void => {
    switch (message.type) {
      case "liveness.ping": {
        const { sequence, sentAtMs } = message;
        const pong: Pong = {
          type: "liveness.pong",
          sequence,
          sentAtMs,
          incarnation: 0,
          neighbours: [],
        };
        outputs.push({ type: "send", to: from, message: pong });
        return;
      }
      case "liveness.pong": {
        const probe = probes.get(from);
        if (probe !== undefined && probe.isAlive === undefined) finish(from, probe, true);
        return;
      }
      case "liveness.seed-probe":
        if (otherSeeds.includes(from)) probeHere(message.address, message.incarnation);
        return;
      case "liveness.alive-vote":
        return; // checked against the directory: hosts step it as an `alive-vote` input
      default:
        assertNever(message, "seed prober message");
    }
  };

  const tick = (): void => {
    for (const address of [...probes.keys()].sort()) {
      const probe = probes.get(address);
      if (probe?.nextAt === undefined || probe.nextAt > now) continue;
      if (probe.sent >= config.probeAttempts) finish(address, probe, false);
      else ping(address, probe);
    }
    for (const [id, entry] of waiting) {
      if (entry.dueAt === undefined || entry.dueAt > now) continue;
      const then = entry.then;
      if (then.type === "release" && isAliveVoteNewer(entry.suspect, then.incarnation)) {
        // An alive vote came in after the probe began (the registry would refuse the report):
        // probe again and keep holding it.
        entry.dueAt = undefined;
        entry.isSuspectDead = false;
        entry.awaiting.set(entry.suspect, entry.then.incarnation);
        const outcome = probeEverywhere(entry.suspect, entry.then.incarnation);
        // No room for that probe: the registry decides on the report as it is (it refuses the
        // removal without a probe begun after the alive vote) rather than it waiting for good.
        if (outcome === "refused") letGo(id, entry);
        else if (outcome !== "pending") resolve(id, entry.suspect, outcome);
        continue;
      }
      letGo(id, entry);
      if (entry.then.type === "release") continue;
      const { incarnation } = entry.then;
      counters.removalsProposed += 1;
      outputs.push({
        type: "propose-removal",
        operationId: `orphan:${self}:${entry.suspect}:${incarnation}`,
        address: entry.suspect,
        incarnation,
        evidence: orphanEvidence(entry.suspect, incarnation, self),
      });
    }
  };

  return {
    config,
    step(input) {
      now = guardTime(input.now);
      if (input.wallTimeMs !== undefined) wallOffsetMs = input.wallTimeMs - now;
      outputs = [];
      expire();
      switch (input.type) {
        case "receive":
          receive(input.from, input.message);
          break;
        case "tick":
          tick();
          break;
        case "dead-report":
          onDeadReport(input);
          break;
        case "alive-vote":
          onAliveVote(input);
          break;
        case "probe-hint":
          onProbeHint(input);
          break;
        case "member-removed":
          onMemberRemoved(input);
          break;
        default:
          assertNever(input, "seed prober input");
      }
      return outputs;
    },
    nextDeadline() {
      const times = [...probes.values()].map((probe) => probe.nextAt);
      for (const entry of waiting.values()) times.push(entry.dueAt);
      const due = times.filter((at): at is number => at !== undefined);
      return due.length === 0 ? undefined : Math.min(...due);
    },
    inspect() {
      return {
        self,
        probes: [...probes]
          .sort(([x], [y]) => (x < y ? -1 : 1))
          .map(([address, probe]) => ({
            address,
            incarnation: probe.incarnation,
            startedAt: probe.startedAt,
            pingsSent: probe.sent,
            state: probe.isAlive === undefined ? "probing" : probe.isAlive ? "alive" : "dead",
          })),
        waiting: waiting.size,
        counters: { ...counters },
      };
    },
  };
}
