import { AddressSchema, parseConfig } from "@p2p/wire";
import { z } from "zod";

/**
 * Timing profiles. `standard` is the seed document's (a ping every 13 s, 3 misses);
 * `fast` pings every second and is tuned to report a crashed peer within ~4 s, and at once
 * suspects a neighbour whose process is gone (its connection closed and it refuses new ones).
 */
export const livenessProfiles = {
  standard: {
    pingIntervalMs: 13_000,
    pingTimeoutMs: 3_000,
    missesBeforeSuspect: 3,
    probeAttempts: 5,
    probeIntervalMs: 250,
    probeTimeoutMs: 2_000,
    voteRetryMs: 2_000,
    voteRoundTimeoutMs: 30_000,
    silentVoterMs: 10_000,
    voteCacheMs: 2_000,
    suspectUnreachable: false,
  },
  fast: {
    pingIntervalMs: 1_000,
    pingTimeoutMs: 300,
    missesBeforeSuspect: 3,
    probeAttempts: 5,
    probeIntervalMs: 150,
    probeTimeoutMs: 300,
    voteRetryMs: 300,
    voteRoundTimeoutMs: 5_000,
    silentVoterMs: 2_000,
    voteCacheMs: 500,
    suspectUnreachable: true,
  },
} as const;

const standard = livenessProfiles.standard;

/** Configuration of {@link createLiveness}; timing defaults are the `standard` profile. */
export const LivenessConfigSchema = z
  .object({
    /** This peer's address, "ip:port". */
    self: AddressSchema,
    /** This peer's incarnation: 0 at first registration, +1 at each re-registration. */
    incarnation: z.number().int().nonnegative().default(0),
    /** Time between two ping rounds (every neighbour is pinged once per round). */
    pingIntervalMs: z.number().int().positive().default(standard.pingIntervalMs),
    /** A ping unanswered this long is a miss. Must be shorter than the interval. */
    pingTimeoutMs: z.number().int().positive().default(standard.pingTimeoutMs),
    /** Consecutive misses that make a neighbour a suspect. */
    missesBeforeSuspect: z.number().int().positive().default(standard.missesBeforeSuspect),
    /** Probes a voter sends to a suspect before voting dead (one answer: alive). */
    probeAttempts: z.number().int().positive().default(standard.probeAttempts),
    /** Spacing of a voter's probes. */
    probeIntervalMs: z.number().int().positive().default(standard.probeIntervalMs),
    /** How long a voter waits for an answer to its last probe. */
    probeTimeoutMs: z.number().int().positive().default(standard.probeTimeoutMs),
    /** A suspecter re-sends its vote request to voters that have not answered, this often. */
    voteRetryMs: z.number().int().positive().default(standard.voteRetryMs),
    /** A vote round without a decision starts over (fresh votes) after this long. */
    voteRoundTimeoutMs: z.number().int().positive().default(standard.voteRoundTimeoutMs),
    /**
     * A vote round still short of a majority this long after it began asks the seeds to probe
     * the suspect and its voters that have not answered (a probe request), and goes on: a
     * crashed voter is then not waited for until the round ends. A live voter votes within
     * `probeAttempts × probeIntervalMs + probeTimeoutMs`; keep this well above that.
     */
    silentVoterMs: z.number().int().positive().default(standard.silentVoterMs),
    /** A voter re-sends its last vote about a suspect for this long instead of probing again. */
    voteCacheMs: z.number().int().nonnegative().default(standard.voteCacheMs),
    /**
     * Suspect a neighbour at once when the host reports it `unreachable` (its link went down and
     * a new dial was refused, as a live host refuses for a crashed process), instead of
     * after `missesBeforeSuspect` missed pings. Its other neighbours still vote after their own
     * probes; a neighbour that is only slow keeps its connection and is never suspected so.
     */
    suspectUnreachable: z.boolean().default(standard.suspectUnreachable),
    /** Longest neighbour list accepted in a pong. */
    maxAdvertisedNeighbours: z.number().int().positive().default(1024),
    /**
     * Most members whose neighbour list (from the seeds' directory, `member-neighbours`) is
     * kept; the oldest-fed list is forgotten first.
     */
    maxMemberNeighbourLists: z.number().int().positive().default(10_000),
    /**
     * Most removed members remembered (address → highest incarnation removed); the least
     * recently removed is forgotten first. A remembered member is no voter and its directory
     * list is ignored until the directory lists it alive under a higher incarnation. Forgetting
     * one early only lets a stale list name it as a voter that never answers (the round then
     * falls back to the seeds' probe); it never counts as a vote.
     */
    maxRemovedMembers: z.number().int().positive().default(10_000),
    /**
     * Most suspects this peer probes at once, and most recent verdicts it keeps, for other
     * peers' vote requests. A request beyond it is refused (`voteRequestsRefused`): no probe and
     * no vote, which never helps a removal; the requester asks again each `voteRetryMs`.
     */
    maxVoteProbes: z.number().int().positive().default(1_024),
    /**
     * Most requesters one suspect's probe (with its cached verdict) answers; further requesters
     * are refused (`voteRequestsRefused`) and get no vote. Honest requesters are the suspect's
     * other neighbours: keep it above the overlay's `maxDegree`.
     */
    maxVoteRequesters: z.number().int().positive().default(256),
  })
  .refine((config) => config.pingTimeoutMs < config.pingIntervalMs, {
    message: "pingTimeoutMs must be shorter than pingIntervalMs",
    path: ["pingTimeoutMs"],
  });

/** Configuration as the caller writes it. */
export type LivenessConfigInput = z.input<typeof LivenessConfigSchema>;
/** Configuration after validation, defaults applied. */
export type LivenessConfig = Readonly<z.output<typeof LivenessConfigSchema>>;

/** Validates, applies defaults, freezes; throws `CONFIG_INVALID` naming every bad field. */
export function parseLivenessConfig(input: LivenessConfigInput): LivenessConfig {
  return parseConfig(LivenessConfigSchema, input, "liveness config");
}
