import type { Machine, RandomSource } from "@p2p/wire";
import type { LivenessConfig } from "./config.js";
import type { DeadEvidence, LivenessMessage, SignedVote } from "./messages.js";
import type { Sign } from "./vote.js";

/**
 * Inputs of the liveness machine. `now` is monotonic ms; any input may carry `wallTimeMs`
 * (wall-clock ms), remembered as an offset and used for vote timestamps and report lines.
 */
export type LivenessInput = (
  | { type: "neighbours"; neighbours: readonly string[] }
  | { type: "receive"; from: string; message: LivenessMessage }
  | { type: "tick" }
  /**
   * The neighbour list (undirected set) the seeds' directory holds for member `address`; used,
   * merged with the lists neighbours advertise in pongs, to pick who votes about a suspect.
   * Replaces the previous list for `address`; an empty list forgets it. `incarnation`: the one
   * the directory lists `address` alive under (as in `member-alive`); omit it for a record that
   * is not alive.
   */
  | {
      type: "member-neighbours";
      address: string;
      neighbours: readonly string[];
      incarnation?: number;
    }
  /**
   * The seeds removed `address` under `incarnation` (learned from them; without it, the latest
   * incarnation this peer knows for it). About this peer itself: see "self-removed". A removal
   * of an incarnation older than one since listed alive changes nothing.
   */
  | { type: "member-removed"; address: string; incarnation?: number }
  /**
   * The seeds' directory lists `address` alive under `incarnation`. A member removed under a
   * lower incarnation has rejoined: it is a new member, a voter again.
   */
  | { type: "member-alive"; address: string; incarnation: number }
  /**
   * The seeds registered this peer under `incarnation` (at its first start that is 0; a peer
   * that left or was removed before registers under a later one). Pongs and votes about it use
   * it from now on; an incarnation not above the current one changes nothing.
   */
  | { type: "registered"; incarnation: number }
  /** This peer re-registered under a new incarnation after a false removal. */
  | { type: "rejoined"; incarnation: number }
  /**
   * The link to neighbour `address` went down and a new dial to it was refused (not timed out). With
   * `suspectUnreachable`, the neighbour is suspected now (its other neighbours vote as usual).
   */
  | { type: "unreachable"; address: string }
) & { now: number; wallTimeMs?: number };

/** Events for the host. */
export type LivenessEvent =
  | { type: "peer-suspected"; suspect: string; incarnation: number; misses: number }
  | { type: "suspicion-cleared"; suspect: string; by: string }
  /**
   * A majority of the suspect's neighbours (at least two witnesses) voted dead: send `evidence`
   * to the seeds, print `line` and append it to outputfile.txt. Followed by neighbour-dropped.
   */
  | { type: "dead-report"; suspect: string; evidence: DeadEvidence; line: string }
  /**
   * This peer suspects `suspect` but knows too few of its neighbours for a majority with two
   * witnesses: ask the seeds to probe it themselves (send `evidence`, which has
   * `insufficientNeighbours: true`, as a dead report). Nothing is printed and the neighbour is
   * kept until the seeds remove it (step `member-removed`) or it answers. Repeated once per vote
   * round while the suspicion lasts.
   */
  | { type: "probe-request"; suspect: string; evidence: DeadEvidence }
  /**
   * This peer began to suspect `suspect`, whose known neighbours (this peer included) are fewer
   * than `SEED_PROBE_HINT_BELOW` (3): ask every seed to begin its own probe of it now
   * (`liveness.seed-probe`). Once those neighbours report it and drop it from their lists, the
   * seeds' probe decides its removal; begun now, it has finished by then. Once per suspicion.
   */
  | { type: "probe-hint"; suspect: string; incarnation: number }
  /**
   * This peer voted `vote.suspect` alive (it answered a probe): send the vote to every seed, so
   * the peer that asked for it cannot hide it from them.
   */
  | { type: "alive-vote"; vote: SignedVote }
  /** Close the connection to `address` and forget it as a neighbour. */
  | { type: "neighbour-dropped"; address: string; reason: "reported-dead" | "removed" }
  /**
   * The seeds removed this very peer while it is alive (a false positive): re-register as
   * `nextIncarnation`, reconnect, then step {type: "rejoined"}.
   */
  | { type: "self-removed"; incarnation: number; nextIncarnation: number };

/** Outputs, to apply in order. */
export type LivenessOutput =
  | { type: "send"; to: string; message: LivenessMessage }
  | { type: "emit"; event: LivenessEvent };

/** A read-only view of one neighbour. */
export interface NeighbourView {
  readonly address: string;
  readonly misses: number;
  readonly suspected: boolean;
  readonly incarnation: number | undefined;
  readonly advertisedNeighbours: readonly string[];
}

/** A read-only view of the machine. */
export interface LivenessView {
  readonly self: string;
  readonly incarnation: number;
  readonly neighbours: readonly NeighbourView[];
  readonly suspicions: readonly string[];
  readonly probing: readonly string[];
  /** Members whose neighbour list from the seeds' directory is held. */
  readonly memberNeighbourLists: number;
  /** Removed members remembered (at most `maxRemovedMembers`). */
  readonly removedMembers: number;
  /** Recent verdicts kept for other peers' vote requests (at most `maxVoteProbes`). */
  readonly cachedVerdicts: number;
  readonly counters: {
    readonly pingsSent: number;
    readonly probesSent: number;
    readonly suspicions: number;
    readonly cleared: number;
    readonly reports: number;
    readonly probeRequests: number;
    /** Suspicions of members with few neighbours, for which the seeds were asked to probe early. */
    readonly probeHints: number;
    readonly votesCast: number;
    /** Vote requests refused at `maxVoteProbes` or `maxVoteRequesters`. */
    readonly voteRequestsRefused: number;
  };
}

/** The liveness state machine. */
export interface Liveness extends Machine<LivenessInput, LivenessOutput, LivenessView> {
  readonly config: LivenessConfig;
  step(input: LivenessInput): readonly LivenessOutput[];
  nextDeadline(): number | undefined;
  inspect(): LivenessView;
}

/** Dependencies of {@link createLiveness}. */
export interface LivenessDependencies {
  /** Spreads ping rounds of different peers (the first round starts at a random offset). */
  readonly random: RandomSource;
  /** Signs this peer's votes with its identity key (the key itself is never given). */
  readonly sign: Sign;
}

/** What the machine keeps about one neighbour (internal state). */
export interface Neighbour {
  misses: number;
  answered: boolean;
  incarnation: number | undefined;
  advertised: string[];
}

/** One open suspicion and its vote round (internal state). */
export interface Suspicion {
  incarnation: number;
  /** The current vote round's id. */
  round: string;
  voters: Set<string>;
  deadVotes: Map<string, SignedVote>;
  nextRetryAt: number;
  roundEndsAt: number;
  /** A probe-request went out in this round. */
  probeRequested: boolean;
}
