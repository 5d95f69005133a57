/**
 * How long this proposer's phases take to reach a quorum, learned from the acceptors' answers
 * as TCP learns its retransmission timeout (Jacobson and Karels: a smoothed round trip plus
 * four times its mean deviation). A phase is sampled once, at the first answer of another seed
 * (with this seed's own answer, that is a quorum of three), also when it comes after its attempt
 * was abandoned: an estimate fed only by the answers that arrived in time would never learn
 * that the links are slower than the timeout.
 */
export function createRoundTrips(config: {
  /** The floor of every estimate (the registry's `attemptTimeoutMs`). */
  readonly minimumMs: number;
  /** The ceiling of every estimate. */
  readonly maximumMs: number;
  /** Most phases remembered while they wait for an answer (the oldest is forgotten first). */
  readonly maxPending: number;
}) {
  /** "requestId phase" → when the phase's message went out. */
  const sentAt = new Map<string, number>();
  let smoothed: number | undefined;
  let deviation = 0;
  return {
    /** The phase `phase` of attempt `requestId` went out at `now`. */
    sent(now: number, requestId: string, phase: "prepare" | "accept"): void {
      const key = `${requestId} ${phase}`;
      sentAt.delete(key);
      sentAt.set(key, now);
      if (sentAt.size > config.maxPending) {
        const oldest = sentAt.keys().next().value;
        if (oldest !== undefined) sentAt.delete(oldest);
      }
    },
    /** Another seed answered phase `phase` of attempt `requestId` at `now`. */
    answered(now: number, requestId: string, phase: "prepare" | "accept"): void {
      const key = `${requestId} ${phase}`;
      const at = sentAt.get(key);
      if (at === undefined) return;
      sentAt.delete(key);
      const sample = Math.max(0, now - at);
      if (smoothed === undefined) {
        smoothed = sample;
        deviation = sample / 2;
      } else {
        deviation = 0.75 * deviation + 0.25 * Math.abs(smoothed - sample);
        smoothed = 0.875 * smoothed + 0.125 * sample;
      }
    },
    /** How long a first attempt's phase waits for a quorum. */
    timeoutMs(): number {
      const estimate = smoothed === undefined ? 0 : smoothed + 4 * deviation;
      return Math.min(config.maximumMs, Math.max(config.minimumMs, estimate));
    },
  };
}
