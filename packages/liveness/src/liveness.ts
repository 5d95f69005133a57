import { assertNever, BoundedMap, createTimeGuard, P2pError } from "@p2p/wire";
import { type LivenessConfigInput, parseLivenessConfig } from "./config.js";
import type { LivenessErrorCode } from "./errors.js";
import type {
  Liveness,
  LivenessDependencies,
  LivenessEvent,
  LivenessOutput,
  Neighbour,
  Suspicion,
} from "./liveness-types.js";
import type { LivenessMessage, SignedVote } from "./messages.js";
import { createRemovedMembers } from "./removed-members.js";
import { MIN_WITNESSES, requiredDeadVotes, SEED_PROBE_HINT_BELOW } from "./validator.js";
import { evidenceOf, newRoundId, signVote } from "./vote.js";
import { createVoter } from "./voter.js";

type Verdict = SignedVote["verdict"];
const sortedKeys = <T>(map: Map<string, T>) => [...map.keys()].sort();

/**
 * Creates a liveness machine: pings neighbours each round, suspects after consecutive misses,
 * gathers signed votes from the suspect's other neighbours, and reports only with a majority.
 */
export function createLiveness(
  configInput: LivenessConfigInput,
  dependencies: LivenessDependencies,
): Liveness {
  const config = parseLivenessConfig(configInput);
  const guardTime = createTimeGuard(`liveness ${config.self}`);
  const { random } = dependencies;
  const self = config.self;
  const selfIp = self.slice(0, self.lastIndexOf(":"));

  let now = Number.NEGATIVE_INFINITY;
  let wallOffsetMs = 0;
  let incarnation = config.incarnation;
  let sequence = 0;
  let roundAt: number | undefined;
  let roundExpiresAt: number | undefined;
  const neighbours = new Map<string, Neighbour>();
  const suspicions = new Map<string, Suspicion>();
  /** Members the seeds removed, until they rejoin under a higher incarnation. */
  const removed = createRemovedMembers(config.maxRemovedMembers);
  /** Neighbour lists from the seeds' directory, oldest-fed first. */
  const directory = new BoundedMap<string, readonly string[]>(config.maxMemberNeighbourLists);
  const counters = {
    pingsSent: 0,
    probesSent: 0,
    suspicions: 0,
    cleared: 0,
    reports: 0,
    probeRequests: 0,
    probeHints: 0,
    votesCast: 0,
    voteRequestsRefused: 0,
  };

  let outputs: LivenessOutput[] = [];
  const send = (to: string, message: LivenessMessage) =>
    outputs.push({ type: "send", to, message });
  const emit = (event: LivenessEvent) => outputs.push({ type: "emit", event });
  const wallNow = () => Math.max(0, Math.round(now + wallOffsetMs));

  function ping(to: string): void {
    sequence++;
    send(to, { type: "liveness.ping", sequence, sentAtMs: now });
  }

  /** This peer's signed vote about `suspect` (at `incarnation`) in vote round `round`. */
  function vote(suspect: string, incarnation: number, round: string, verdict: Verdict): SignedVote {
    counters.votesCast++;
    const unsigned = { voter: self, suspect, incarnation, round, verdict, issuedAtMs: wallNow() };
    return signVote(unsigned, dependencies.sign);
  }

  /** Answers other peers' vote requests: probes the suspect, then a signed vote. */
  const voter = createVoter({
    config,
    now: () => now,
    probe: (target) => {
      counters.probesSent++;
      ping(target);
    },
    vote,
    send,
    reportAlive: (signed) => emit({ type: "alive-vote", vote: signed }),
  });

  /** Any message from `address` proves it is alive. */
  function heardFrom(address: string): void {
    const neighbour = neighbours.get(address);
    if (neighbour !== undefined) {
      neighbour.misses = 0;
      neighbour.answered = true;
    }
    if (suspicions.delete(address)) {
      counters.cleared++;
      emit({ type: "suspicion-cleared", suspect: address, by: self });
    }
    voter.heardFrom(address);
  }

  /**
   * The suspect's other neighbours as far as this peer knows: what it advertised in pongs,
   * its list in the seeds' directory, and directory members that list it.
   */
  function votersFor(suspect: string): Set<string> {
    const known = new Set<string>(neighbours.get(suspect)?.advertised ?? []);
    for (const address of directory.peek(suspect) ?? []) known.add(address);
    for (const [member, list] of directory) if (list.includes(suspect)) known.add(member);
    known.delete(self);
    known.delete(suspect);
    for (const address of known) if (removed.isExcluded(address)) known.delete(address);
    return known;
  }

  function requestVote(voter: string, suspect: string, suspicion: Suspicion): void {
    const { incarnation: suspectIncarnation, round } = suspicion;
    send(voter, { type: "liveness.vote-request", suspect, incarnation: suspectIncarnation, round });
  }

  /** Starts a new vote round (a new round id: votes of earlier rounds no longer count). */
  function startRound(suspect: string, suspicion: Suspicion): void {
    suspicion.round = newRoundId(random);
    suspicion.voters = votersFor(suspect);
    suspicion.deadVotes = new Map([
      [self, vote(suspect, suspicion.incarnation, suspicion.round, "dead")],
    ]);
    suspicion.roundEndsAt = now + config.voteRoundTimeoutMs;
    suspicion.nextRetryAt = now + config.voteRetryMs;
    suspicion.probeRequested = false;
    for (const voter of [...suspicion.voters].sort()) requestVote(voter, suspect, suspicion);
    checkReady(suspect, suspicion);
  }

  /** Newly learned neighbours of running suspects join the current vote round. */
  function widenVoters(): void {
    for (const suspect of sortedKeys(suspicions)) {
      const suspicion = suspicions.get(suspect) as Suspicion;
      for (const voter of [...votersFor(suspect)].sort()) {
        if (suspicion.voters.has(voter)) continue;
        suspicion.voters.add(voter);
        requestVote(voter, suspect, suspicion);
      }
    }
  }

  function suspect(address: string, neighbour: Neighbour): void {
    counters.suspicions++;
    const suspicion: Suspicion = {
      incarnation: neighbour.incarnation ?? 0,
      round: "",
      voters: new Set(),
      deadVotes: new Map(),
      nextRetryAt: now,
      roundEndsAt: now,
      probeRequested: false,
    };
    suspicions.set(address, suspicion);
    emit({
      type: "peer-suspected",
      suspect: address,
      incarnation: suspicion.incarnation,
      misses: neighbour.misses,
    });
    startRound(address, suspicion);
    // Few neighbours: once they drop the suspect from their lists, only the seeds' own probe
    // decides its removal. The seeds begin it now rather than when the report comes.
    const known = suspicion.voters.size + 1;
    if (known >= MIN_WITNESSES && known < SEED_PROBE_HINT_BELOW && suspicions.has(address)) {
      counters.probeHints++;
      emit({ type: "probe-hint", suspect: address, incarnation: suspicion.incarnation });
    }
  }

  /**
   * Asks the seeds to probe `suspect` (and its voters that did not vote), once per vote round:
   * a `probe-request` carrying this round's votes so far.
   */
  function requestProbe(suspect: string, suspicion: Suspicion): void {
    if (suspicion.probeRequested) return;
    suspicion.probeRequested = true;
    counters.probeRequests++;
    const evidence = evidenceOf(self, suspect, suspicion, true);
    emit({ type: "probe-request", suspect, evidence });
  }

  /**
   * Reports only with dead votes from a strict majority of the suspect's known neighbours (this
   * peer included) and at least two witnesses. Knowing too few neighbours for that, it asks the
   * seeds to probe (once per round) and keeps the neighbour.
   */
  function checkReady(suspect: string, suspicion: Suspicion): void {
    const neighbourCount = suspicion.voters.size + 1;
    if (neighbourCount < MIN_WITNESSES) {
      requestProbe(suspect, suspicion);
      return;
    }
    if (suspicion.deadVotes.size < requiredDeadVotes(neighbourCount)) return;
    suspicions.delete(suspect);
    counters.reports++;
    const evidence = evidenceOf(self, suspect, suspicion, false);
    emit({
      type: "dead-report",
      suspect,
      evidence,
      line: `Dead Node:${suspect}:${wallNow()}:${selfIp}`,
    });
    if (neighbours.delete(suspect))
      emit({ type: "neighbour-dropped", address: suspect, reason: "reported-dead" });
  }

  function receive(from: string, message: LivenessMessage): void {
    switch (message.type) {
      case "liveness.ping":
        heardFrom(from);
        send(from, {
          type: "liveness.pong",
          sequence: message.sequence,
          sentAtMs: message.sentAtMs,
          incarnation,
          neighbours: sortedKeys(neighbours),
        });
        break;
      case "liveness.pong": {
        if (message.sequence > sequence) return; // never sent: ignore
        const neighbour = neighbours.get(from);
        if (neighbour !== undefined) {
          neighbour.incarnation = message.incarnation;
          if (message.neighbours.length <= config.maxAdvertisedNeighbours) {
            neighbour.advertised = message.neighbours.slice();
          }
        }
        heardFrom(from);
        break;
      }
      case "liveness.vote-request": {
        const target = message.suspect;
        // A peer votes only about its own neighbours: its vote about anyone else would not
        // count, and nobody can make it probe arbitrary addresses.
        if (target === self || target === from || !neighbours.has(target)) return;
        if (!voter.request(from, target, message.incarnation, message.round))
          counters.voteRequestsRefused++;
        break;
      }
      case "liveness.vote": {
        const signed = message.vote;
        if (signed.voter !== from) return;
        const suspicion = suspicions.get(signed.suspect);
        if (
          suspicion === undefined ||
          signed.incarnation !== suspicion.incarnation ||
          signed.round !== suspicion.round
        )
          return;
        if (!suspicion.voters.has(from)) return;
        if (signed.verdict === "alive") {
          suspicions.delete(signed.suspect);
          counters.cleared++;
          const neighbour = neighbours.get(signed.suspect);
          if (neighbour !== undefined) neighbour.misses = 0;
          emit({ type: "suspicion-cleared", suspect: signed.suspect, by: from });
          return;
        }
        suspicion.deadVotes.set(from, signed);
        checkReady(signed.suspect, suspicion);
        break;
      }
      default:
        assertNever(message, "liveness message");
    }
  }

  function tick(): void {
    if (roundExpiresAt !== undefined && roundExpiresAt <= now) {
      roundExpiresAt = undefined;
      for (const address of sortedKeys(neighbours)) {
        const neighbour = neighbours.get(address) as Neighbour;
        // Any proof of life since the previous check (a pong, or the neighbour's own ping) counts.
        if (neighbour.answered) {
          neighbour.answered = false;
          continue;
        }
        neighbour.misses++;
        if (neighbour.misses >= config.missesBeforeSuspect && !suspicions.has(address))
          suspect(address, neighbour);
      }
    }
    if (roundAt !== undefined && roundAt <= now) {
      while (roundAt <= now) roundAt += config.pingIntervalMs;
      for (const address of sortedKeys(neighbours)) {
        counters.pingsSent++;
        ping(address);
      }
      roundExpiresAt = now + config.pingTimeoutMs;
    }
    voter.tick();
    for (const address of sortedKeys(suspicions)) {
      const suspicion = suspicions.get(address) as Suspicion;
      if (suspicion.nextRetryAt > now) continue;
      if (suspicion.roundEndsAt <= now) {
        // The round ended without a majority: some voters never answered (they may be dead
        // too — two crashed neighbours would otherwise wait on each other forever). Ask the
        // seeds to probe the suspect and its silent neighbours themselves, then vote again.
        requestProbe(address, suspicion);
        startRound(address, suspicion);
        continue;
      }
      suspicion.nextRetryAt = now + config.voteRetryMs;
      const roundAge = now - (suspicion.roundEndsAt - config.voteRoundTimeoutMs);
      // Still no majority: a voter that has not answered by now may have crashed too. The
      // seeds probe the suspect and the silent voters now; the round goes on meanwhile.
      if (roundAge >= config.silentVoterMs) requestProbe(address, suspicion);
      for (const voter of [...suspicion.voters].sort()) {
        if (suspicion.deadVotes.has(voter)) continue;
        requestVote(voter, address, suspicion);
      }
    }
  }

  function setNeighbours(list: readonly string[]): void {
    const next = new Set(list.filter((address) => address !== self));
    for (const address of [...neighbours.keys()]) {
      if (!next.has(address)) {
        neighbours.delete(address);
        suspicions.delete(address);
      }
    }
    for (const address of [...next].sort()) {
      if (!neighbours.has(address)) {
        neighbours.set(address, {
          misses: 0,
          answered: true,
          incarnation: undefined,
          advertised: [],
        });
      }
    }
    if (roundAt === undefined && neighbours.size > 0) {
      roundAt = now + Math.floor(random.next() * config.pingIntervalMs);
    }
  }

  /** The directory lists `address` alive under `incarnation`: a rejoined member votes again. */
  function memberAlive(address: string, incarnation: number): void {
    if (removed.alive(address, incarnation)) widenVoters();
  }

  function setMemberNeighbours(address: string, list: readonly string[], incarnation?: number) {
    if (address === self) return;
    if (incarnation !== undefined) memberAlive(address, incarnation);
    if (removed.isExcluded(address)) return;
    directory.delete(address);
    if (list.length === 0 || list.length > config.maxAdvertisedNeighbours) return;
    directory.set(address, [...new Set(list)].filter((a) => a !== address).sort());
    widenVoters();
  }

  function memberRemoved(address: string, removedIncarnation: number | undefined): void {
    if (address === self) {
      // A late notice about an incarnation this peer has already left behind: it rejoined.
      if (removedIncarnation !== undefined && removedIncarnation < incarnation) return;
      emit({ type: "self-removed", incarnation, nextIncarnation: incarnation + 1 });
      return;
    }
    // A late notice about an incarnation older than the one since listed alive: ignored.
    if (!removed.remove(address, removedIncarnation ?? neighbours.get(address)?.incarnation))
      return;
    directory.delete(address);
    suspicions.delete(address);
    voter.forget(address);
    if (neighbours.delete(address)) emit({ type: "neighbour-dropped", address, reason: "removed" });
    for (const suspect of sortedKeys(suspicions)) {
      const suspicion = suspicions.get(suspect) as Suspicion;
      if (!suspicion.voters.delete(address)) continue;
      suspicion.deadVotes.delete(address);
      checkReady(suspect, suspicion);
    }
  }

  return {
    config,
    step(input) {
      now = guardTime(input.now);
      if (input.wallTimeMs !== undefined) wallOffsetMs = input.wallTimeMs - now;
      outputs = [];
      switch (input.type) {
        case "neighbours":
          setNeighbours(input.neighbours);
          break;
        case "receive":
          receive(input.from, input.message);
          break;
        case "tick":
          tick();
          break;
        case "member-neighbours":
          setMemberNeighbours(input.address, input.neighbours, input.incarnation);
          break;
        case "member-removed":
          memberRemoved(input.address, input.incarnation);
          break;
        case "member-alive":
          memberAlive(input.address, input.incarnation);
          break;
        case "registered":
          incarnation = Math.max(incarnation, input.incarnation);
          break;
        case "rejoined":
          if (input.incarnation <= incarnation) {
            throw new P2pError<LivenessErrorCode>(
              "INCARNATION_INVALID",
              `liveness: incarnation must grow past ${incarnation}`,
            );
          }
          incarnation = input.incarnation;
          break;
        case "unreachable": {
          const neighbour = neighbours.get(input.address);
          if (config.suspectUnreachable && neighbour && !suspicions.has(input.address))
            suspect(input.address, neighbour);
          break;
        }
        default:
          assertNever(input, "liveness input");
      }
      const result = outputs;
      outputs = [];
      return result;
    },
    nextDeadline() {
      let next = roundAt;
      const consider = (at: number | undefined) => {
        if (at !== undefined && (next === undefined || at < next)) next = at;
      };
      consider(roundExpiresAt);
      consider(voter.nextDeadline());
      for (const suspicion of suspicions.values()) consider(suspicion.nextRetryAt);
      return next;
    },
    inspect() {
      return {
        self,
        incarnation,
        neighbours: sortedKeys(neighbours).map((address) => {
          const neighbour = neighbours.get(address) as Neighbour;
          return {
            address,
            misses: neighbour.misses,
            suspected: suspicions.has(address),
            incarnation: neighbour.incarnation,
            advertisedNeighbours: neighbour.advertised.slice(),
          };
        }),
        suspicions: sortedKeys(suspicions),
        probing: voter.probing(),
        memberNeighbourLists: directory.size,
        removedMembers: removed.size,
        cachedVerdicts: voter.cachedVerdicts(),
        counters: { ...counters },
      };
    },
  };
}
