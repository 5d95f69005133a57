import { type Machine, parseConfig } from "@p2p/wire";
import { z } from "zod";
import type { DeadEvidence } from "./messages.js";
import type { SeedDirectoryRecord } from "./seed-evidence.js";
import type { SeedProberMessage } from "./seed-messages.js";
import { DEFAULT_ROUND_WINDOW_MS } from "./validator.js";
import type { VerifySignature } from "./vote.js";

/** Configuration of {@link createSeedProber}. Every limit and interval lives here. */
export const SeedProberConfigSchema = z
  .object({
    /** This seed's address (its id). */
    self: z.string().min(1),
    /** Every seed (this one included): asked to probe too, and the only ones obeyed. */
    seeds: z.array(z.string().min(1)).min(1),
    /** Pings a seed sends a member it probes before it counts it as not answering. */
    probeAttempts: z.number().int().positive().default(5),
    /** Spacing of those pings; a decision waits one more interval for the other seeds. */
    probeIntervalMs: z.number().int().positive().default(200),
    /** A finished probe's outcome is reused (not probed again) for this long, then forgotten. */
    probeReuseMs: z.number().int().positive().default(10_000),
    /** The round window: votes older than this (or further ahead) are stale. */
    maxVoteAgeMs: z.number().int().positive().default(DEFAULT_ROUND_WINDOW_MS),
    /**
     * An alive vote about a suspect holds its dead reports for the seeds' own probe for this
     * long (the registry's `probeResultRetentionMs` should be at least as long). A voter's
     * further alive votes about the same suspect within it are not counted again.
     */
    aliveVoteMs: z.number().int().positive().default(60_000),
    /**
     * Dead reports one reporter may send: `maxReportsPerReporter` per `reportWindowMs`, one per
     * suspect per `minReportIntervalMs`; beyond that they are dropped (`reportsOverBudget`).
     */
    maxReportsPerReporter: z.number().int().positive().default(32),
    reportWindowMs: z.number().int().positive().default(10_000),
    minReportIntervalMs: z.number().int().nonnegative().default(1_000),
    /**
     * Most probes held (running, or finished within `probeReuseMs`). Beyond it a new probe is
     * refused (`probesRefused`), never queued, and none is evicted: the report that needed it
     * goes to the registry at once, which refuses a removal without the seeds' probe; an orphan
     * is not proposed for removal; another seed's request gets no probe result from this seed.
     */
    maxProbes: z.number().int().positive().default(4_096),
    /**
     * Most reports and orphans waiting on probes; beyond it a report goes to the registry at
     * once (which refuses it without this seed's probe) and an orphan waits for a later removal.
     */
    maxWaiting: z.number().int().positive().default(4_096),
  })
  .refine((config) => config.seeds.includes(config.self), {
    message: "self must be one of the seeds",
    path: ["self"],
  });

/** Configuration as the caller writes it. */
export type SeedProberConfigInput = z.input<typeof SeedProberConfigSchema>;
/** Configuration after validation, defaults applied, seeds sorted and unique. */
export type SeedProberConfig = Readonly<z.output<typeof SeedProberConfigSchema>>;

/** Validates, applies defaults, freezes; throws `CONFIG_INVALID` naming every bad field. */
export function parseSeedProberConfig(input: SeedProberConfigInput): SeedProberConfig {
  const parsed = parseConfig(SeedProberConfigSchema, input, "seed prober config");
  return Object.freeze({
    ...parsed,
    seeds: Object.freeze([...new Set(parsed.seeds)].sort()) as string[],
  });
}

/**
 * Inputs of the seed prober. `now` is monotonic ms and never goes backwards; any input may
 * carry `wallTimeMs` (wall-clock ms), remembered as an offset and used for vote freshness.
 * `records` is the seed's directory (its registry's local view) when the input happens.
 */
export type SeedProberInput<Report> = (
  | { readonly type: "receive"; readonly from: string; readonly message: SeedProberMessage }
  | { readonly type: "tick" }
  /**
   * A dead report arrived from `from` (about `suspect` at `incarnation`). It goes to the
   * registry (output `release-report`) at once, or — when its votes cannot carry a neighbour
   * majority — once every seed has probed the suspect and its silent neighbours and this seed's
   * probe of the suspect got no answer; never when the suspect answers.
   */
  | {
      readonly type: "dead-report";
      readonly from: string;
      readonly suspect: string;
      readonly incarnation: number;
      readonly evidence: unknown;
      readonly report: Report;
      readonly records: readonly SeedDirectoryRecord[];
    }
  /**
   * A signed alive vote arrived from `from` (the voter itself, or another seed relaying it).
   * Counted only when it verifies against the voter's registered key, the voter is a live
   * mutual neighbour of the suspect, the suspect is alive at the vote's incarnation and the vote
   * is within the round window; then it is relayed to the other seeds (when it came from a
   * peer) and given to the registry (`alive-vote-recorded`).
   */
  | {
      readonly type: "alive-vote";
      readonly from: string;
      readonly vote: unknown;
      readonly records: readonly SeedDirectoryRecord[];
    }
  /**
   * A peer asked this seed to begin probing `suspect` now (`liveness.seed-probe` from a peer: a
   * neighbour of a member with few neighbours began to suspect it). Obeyed only when `from` is a
   * live neighbour of `suspect`, the suspect is alive at `incarnation`, and it has fewer live
   * neighbours than `SEED_PROBE_HINT_BELOW`; a running or recent probe is reused.
   */
  | {
      readonly type: "probe-hint";
      readonly from: string;
      readonly suspect: string;
      readonly incarnation: number;
      readonly records: readonly SeedDirectoryRecord[];
    }
  /** The registry removed `address` (dead or left): tell who needs to know; probe orphans. */
  | {
      readonly type: "member-removed";
      readonly address: string;
      readonly incarnation: number;
      readonly records: readonly SeedDirectoryRecord[];
    }
) & { readonly now: number; readonly wallTimeMs?: number };

/** Events for the host (logs, the screen). */
export type SeedProberEvent =
  | { readonly type: "dead-report-received"; readonly from: string; readonly address: string }
  | { readonly type: "seed-probe-finished"; readonly address: string; readonly isAlive: boolean }
  | { readonly type: "alive-vote-received"; readonly address: string; readonly voter: string };

/** Outputs, to apply in order. */
export type SeedProberOutput<Report> =
  | { readonly type: "send"; readonly to: string; readonly message: SeedProberMessage }
  /** A checked alive vote: an `alive-vote` input for the registry's evidence check. */
  | {
      readonly type: "alive-vote-recorded";
      readonly address: string;
      readonly incarnation: number;
      /** Monotonic time it was received. */
      readonly atMs: number;
    }
  | { readonly type: "emit"; readonly event: SeedProberEvent }
  /** This seed's probe finished: a `probe-result` input for the registry's evidence check. */
  | {
      readonly type: "probe-result";
      readonly address: string;
      readonly incarnation: number;
      readonly isAlive: boolean;
      readonly atMs: number;
    }
  /** Hand the held report to the registry, as received from `from`. */
  | { readonly type: "release-report"; readonly from: string; readonly report: Report }
  /** A member left without live neighbours did not answer: propose its removal (no votes). */
  | {
      readonly type: "propose-removal";
      readonly operationId: string;
      readonly address: string;
      readonly incarnation: number;
      readonly evidence: DeadEvidence;
    }
  /** Tell `to` (the removed member, or a live neighbour of it) that `address` was removed. */
  | {
      readonly type: "removal-notice";
      readonly to: string;
      readonly address: string;
      readonly incarnation: number;
    };

/** A read-only view of one probe. */
export interface SeedProbeView {
  readonly address: string;
  readonly incarnation: number;
  readonly startedAt: number;
  readonly pingsSent: number;
  readonly state: "probing" | "alive" | "dead";
}

/** A read-only view of the machine. */
export interface SeedProberView {
  readonly self: string;
  /** Running and recently finished probes, by address. */
  readonly probes: readonly SeedProbeView[];
  /** Reports and orphans waiting on probes. */
  readonly waiting: number;
  readonly counters: {
    readonly pingsSent: number;
    readonly probesStarted: number;
    readonly reportsHeld: number;
    readonly reportsReleased: number;
    readonly reportsDropped: number;
    readonly removalsProposed: number;
    readonly aliveVotesCounted: number;
    /** Dead reports dropped because their reporter was over its budget. */
    readonly reportsOverBudget: number;
    /** Probes not started because `maxProbes` were held. */
    readonly probesRefused: number;
    /** Probe hints from peers obeyed (a probe begun or one reused), and ignored. */
    readonly probeHintsObeyed: number;
    readonly probeHintsIgnored: number;
  };
}

/** What the host injects into {@link createSeedProber}. */
export interface SeedProberDependencies {
  /**
   * Checks the signatures of alive votes and of the votes in dead reports (default:
   * `@noble/curves`; a Node host injects node:crypto's, about 13 times faster).
   */
  readonly verify?: VerifySignature;
}

/** The seeds' own probing of suspects and orphans, sans-IO. */
export interface SeedProber<Report>
  extends Machine<SeedProberInput<Report>, SeedProberOutput<Report>, SeedProberView> {
  readonly config: SeedProberConfig;
  /** The one mutating entry point. Throws only on caller mistakes (time going backwards). */
  step(input: SeedProberInput<Report>): readonly SeedProberOutput<Report>[];
  nextDeadline(): number | undefined;
  inspect(): SeedProberView;
}
