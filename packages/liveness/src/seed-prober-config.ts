import { P2pError } from "@p2p/wire";
import { z } from "zod";

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
    /** Votes older than this are stale (for deciding whether a report needs a probe). */
    maxVoteAgeMs: z
      .number()
      .int()
      .positive()
      .default(5 * 60_000),
    /** Most probes held (running or recently finished); beyond it a new probe is not started. */
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

/** Validates, applies defaults, freezes; throws P2pError `SEED_PROBER_CONFIG` naming the field. */
export function parseSeedProberConfig(input: SeedProberConfigInput): SeedProberConfig {
  const parsed = SeedProberConfigSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue?.path.join(".") || "(root)";
    throw new P2pError(
      "SEED_PROBER_CONFIG",
      `seed prober config: ${where}: ${issue?.message ?? "invalid"}`,
      { cause: parsed.error },
    );
  }
  return Object.freeze({
    ...parsed.data,
    seeds: Object.freeze([...new Set(parsed.data.seeds)].sort()) as string[],
  });
}
