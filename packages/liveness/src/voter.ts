import type { LivenessConfig } from "./config.js";
import type { LivenessMessage, SignedVote } from "./messages.js";

/** What the voter needs from the liveness machine it is part of. */
export interface VoterContext {
  readonly config: Pick<
    LivenessConfig,
    "probeAttempts" | "probeIntervalMs" | "probeTimeoutMs" | "voteCacheMs"
  >;
  /** The time of the input being handled. */
  now(): number;
  /** Pings `target` once (a probe). */
  probe(target: string): void;
  /** This peer's signed vote about `suspect`. */
  vote(suspect: string, incarnation: number, verdict: "dead" | "alive"): SignedVote;
  send(to: string, message: LivenessMessage): void;
}

/** A probe of a suspect another peer asked this peer to vote about. */
interface Probe {
  incarnation: number;
  requesters: Set<string>;
  sent: number;
  nextAt: number | undefined;
  expiresAt: number | undefined;
}

/**
 * The voter's side of liveness: asked for a vote about a suspect, a peer probes it (up to
 * `probeAttempts` pings, `probeIntervalMs` apart, then waits `probeTimeoutMs`) and answers
 * every requester with one signed vote — alive as soon as the suspect answers, dead otherwise.
 * A vote is reused for `voteCacheMs`.
 */
export function createVoter(context: VoterContext) {
  const { config } = context;
  const probes = new Map<string, Probe>();
  const recentVotes = new Map<string, { vote: SignedVote; until: number }>();

  const finish = (suspect: string, verdict: "dead" | "alive"): void => {
    const probe = probes.get(suspect);
    if (probe === undefined) return;
    probes.delete(suspect);
    const signed = context.vote(suspect, probe.incarnation, verdict);
    recentVotes.set(suspect, { vote: signed, until: context.now() + config.voteCacheMs });
    for (const requester of [...probe.requesters].sort())
      context.send(requester, { type: "liveness.vote", vote: signed });
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
    /** `from` asks for a vote about `suspect` at `incarnation`. */
    request(from: string, suspect: string, incarnation: number): void {
      const recent = recentVotes.get(suspect);
      if (
        recent !== undefined &&
        recent.until > context.now() &&
        recent.vote.incarnation === incarnation
      ) {
        context.send(from, { type: "liveness.vote", vote: recent.vote });
        return;
      }
      const running = probes.get(suspect);
      if (running !== undefined && running.incarnation === incarnation) {
        running.requesters.add(from);
        return;
      }
      probes.set(suspect, {
        incarnation,
        requesters: new Set([from]),
        sent: 0,
        nextAt: context.now(),
        expiresAt: undefined,
      });
      advance(suspect);
    },
    /** Any message from `address` proves it alive: a probe of it ends with an alive vote. */
    heardFrom(address: string): void {
      if (probes.has(address)) finish(address, "alive");
    },
    tick(): void {
      for (const target of [...probes.keys()].sort()) advance(target);
      for (const [address, recent] of recentVotes)
        if (recent.until <= context.now()) recentVotes.delete(address);
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
  };
}
