import type { LivenessConfig } from "./config.js";
import type { LivenessMessage, SignedVote } from "./messages.js";

/** What the voter needs from the liveness machine it is part of. */
export interface VoterContext {
  readonly config: Pick<
    LivenessConfig,
    | "probeAttempts"
    | "probeIntervalMs"
    | "probeTimeoutMs"
    | "voteCacheMs"
    | "maxVoteProbes"
    | "maxVoteRequesters"
  >;
  /** The time of the input being handled. */
  now(): number;
  /** Pings `target` once (a probe). */
  probe(target: string): void;
  /** This peer's signed vote about `suspect` in vote round `round`. */
  vote(suspect: string, incarnation: number, round: string, verdict: "dead" | "alive"): SignedVote;
  send(to: string, message: LivenessMessage): void;
  /** An alive vote this peer signed: the host sends it to every seed as well. */
  reportAlive(vote: SignedVote): void;
}

/** A probe of a suspect another peer asked this peer to vote about. */
interface Probe {
  incarnation: number;
  /** Each requester's latest vote round (one vote per requester, however often it asks). */
  requests: Map<string, string>;
  sent: number;
  nextAt: number | undefined;
  expiresAt: number | undefined;
}

/**
 * The voter's side of liveness: asked for a vote about a suspect, a peer probes it (up to
 * `probeAttempts` pings, `probeIntervalMs` apart, then waits `probeTimeoutMs`) and answers
 * every requester with a signed vote of the round it asked about — alive as soon as the suspect
 * answers, dead otherwise. One probe serves every requester while it runs (each gets one vote,
 * of the latest round it asked about); its verdict is reused for `voteCacheMs`, in which each
 * requester is signed at most one vote (asking again, with any round, resends that one), so no
 * requester can make it sign without bound. An alive vote also goes to the seeds
 * (`reportAlive`), so the peer that asked cannot hide it. At most `maxVoteProbes` suspects are
 * probed (and verdicts cached) at once and `maxVoteRequesters` requesters answered per suspect;
 * a request beyond either is refused: no probe, no vote (the requester asks again later).
 */
export function createVoter(context: VoterContext) {
  const { config } = context;
  const probes = new Map<string, Probe>();
  const recentVerdicts = new Map<
    string,
    {
      incarnation: number;
      verdict: "dead" | "alive";
      until: number;
      /** The vote each requester was sent in this window. */
      sent: Map<string, SignedVote>;
    }
  >();

  const finish = (suspect: string, verdict: "dead" | "alive"): void => {
    const probe = probes.get(suspect);
    if (probe === undefined) return;
    probes.delete(suspect);
    const sent = new Map<string, SignedVote>();
    recentVerdicts.delete(suspect); // re-inserted last: the cache stays oldest first
    recentVerdicts.set(suspect, {
      incarnation: probe.incarnation,
      verdict,
      until: context.now() + config.voteCacheMs,
      sent,
    });
    if (recentVerdicts.size > config.maxVoteProbes) {
      const oldest = recentVerdicts.keys().next().value;
      if (oldest !== undefined) recentVerdicts.delete(oldest); // its next request probes again
    }
    const byRound = new Map<string, SignedVote>();
    for (const [requester, round] of [...probe.requests].sort(([a], [b]) => (a < b ? -1 : 1))) {
      let signed = byRound.get(round);
      if (signed === undefined) {
        signed = context.vote(suspect, probe.incarnation, round, verdict);
        byRound.set(round, signed);
        if (verdict === "alive" && byRound.size === 1) context.reportAlive(signed);
      }
      sent.set(requester, signed);
      context.send(requester, { type: "liveness.vote", vote: signed });
    }
  };

  const advance = (target: string): void => {
    const probe = probes.get(target);
    if (probe === undefined) return;
    const now = context.now();
    while (probe.nextAt !== undefined && probe.nextAt <= now) {
      context.probe(target);
      probe.sent++;
      if (probe.sent < config.probeAttempts) {
        probe.nextAt += config.probeIntervalMs;
      } else {
        probe.nextAt = undefined;
        probe.expiresAt = now + config.probeTimeoutMs;
      }
    }
    if (probe.expiresAt !== undefined && probe.expiresAt <= now) finish(target, "dead");
  };

  return {
    /**
     * `from` asks for a vote about `suspect` at `incarnation`, in vote round `round`. Returns
     * false when the request is refused (`maxVoteProbes` or `maxVoteRequesters` reached).
     */
    request(from: string, suspect: string, incarnation: number, round: string): boolean {
      const recent = recentVerdicts.get(suspect);
      if (
        recent !== undefined &&
        recent.until > context.now() &&
        recent.incarnation === incarnation
      ) {
        let signed = recent.sent.get(from);
        if (signed === undefined) {
          if (recent.sent.size >= config.maxVoteRequesters) return false;
          signed = context.vote(suspect, incarnation, round, recent.verdict);
          recent.sent.set(from, signed);
        }
        context.send(from, { type: "liveness.vote", vote: signed });
        return true;
      }
      const running = probes.get(suspect);
      if (running !== undefined && running.incarnation === incarnation) {
        const isNew = !running.requests.has(from);
        if (isNew && running.requests.size >= config.maxVoteRequesters) return false;
        running.requests.set(from, round);
        return true;
      }
      if (running === undefined && probes.size >= config.maxVoteProbes) return false;
      probes.set(suspect, {
        incarnation,
        requests: new Map([[from, round]]),
        sent: 0,
        nextAt: context.now(),
        expiresAt: undefined,
      });
      advance(suspect);
      return true;
    },
    /** Any message from `address` proves it alive: a probe of it ends with an alive vote. */
    heardFrom(address: string): void {
      if (probes.has(address)) finish(address, "alive");
    },
    tick(): void {
      for (const target of [...probes.keys()].sort()) advance(target);
      for (const [address, recent] of recentVerdicts)
        if (recent.until <= context.now()) recentVerdicts.delete(address);
    },
    /** The seeds removed `address`: no vote about it is owed any more. */
    forget(address: string): void {
      probes.delete(address);
    },
    /** The earliest time a probe needs a tick, or undefined. */
    nextDeadline(): number | undefined {
      let next: number | undefined;
      for (const probe of probes.values()) {
        for (const at of [probe.nextAt, probe.expiresAt]) {
          if (at !== undefined && (next === undefined || at < next)) next = at;
        }
      }
      return next;
    },
    /** Suspects being probed for a vote, sorted. */
    probing: (): string[] => [...probes.keys()].sort(),
    /** Recent verdicts kept (at most `maxVoteProbes`). */
    cachedVerdicts: (): number => recentVerdicts.size,
  };
}
