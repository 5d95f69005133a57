/** Names of the built-in timing profiles. */
export type TimingProfileName = "default" | "fast";

/** The timing every node of a network shares: gossip rate and liveness probing. */
export interface TimingProfile {
  readonly name: TimingProfileName;
  /** How often a peer generates a gossip message. */
  readonly gossipIntervalMs: number;
  /** How many messages a peer generates in total. */
  readonly gossipMessageCount: number;
  /** How often a peer pings each neighbour. */
  readonly pingIntervalMs: number;
  /** How long a ping waits for its reply before it counts as missed. */
  readonly pingTimeoutMs: number;
  /** Consecutive missed replies before a neighbour is suspected. */
  readonly pingMisses: number;
}

/** Timing overrides, as set in config.yml's `timing` section. */
export type TimingOverrides = Partial<Omit<TimingProfile, "name">>;

/**
 * The built-in profiles. `default` is the seed document's timing (gossip every 5 s × 10
 * messages; ping every 13 s, suspect after 3 misses); `fast` is for tests and demos.
 */
export const timingProfiles: Readonly<Record<TimingProfileName, TimingProfile>> = Object.freeze({
  default: Object.freeze({
    name: "default",
    gossipIntervalMs: 5000,
    gossipMessageCount: 10,
    pingIntervalMs: 13_000,
    pingTimeoutMs: 5000,
    pingMisses: 3,
  }),
  fast: Object.freeze({
    name: "fast",
    gossipIntervalMs: 1000,
    gossipMessageCount: 10,
    pingIntervalMs: 1000,
    pingTimeoutMs: 500,
    pingMisses: 3,
  }),
});

/** The profile `name` with `overrides` applied on top (frozen). */
export function resolveTimingProfile(
  name: TimingProfileName,
  overrides: TimingOverrides = {},
): TimingProfile {
  const base = timingProfiles[name];
  const resolved: TimingProfile = {
    name,
    gossipIntervalMs: overrides.gossipIntervalMs ?? base.gossipIntervalMs,
    gossipMessageCount: overrides.gossipMessageCount ?? base.gossipMessageCount,
    pingIntervalMs: overrides.pingIntervalMs ?? base.pingIntervalMs,
    pingTimeoutMs: overrides.pingTimeoutMs ?? base.pingTimeoutMs,
    pingMisses: overrides.pingMisses ?? base.pingMisses,
  };
  return Object.freeze(resolved);
}
