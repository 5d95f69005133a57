/** An error thrown by {@link seededRun} and {@link forEachSeed}: names the seed that failed. */
export class SeedFailure extends Error {
  readonly seed: number;
  /** Which schedule of a {@link forEachSeed} run failed (1-based) and of how many, if known. */
  readonly schedule: { readonly index: number; readonly count: number } | undefined;

  constructor(
    seed: number,
    cause: unknown,
    schedule?: { readonly index: number; readonly count: number },
  ) {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const where =
      schedule === undefined ? "" : ` (schedule ${schedule.index} of ${schedule.count})`;
    super(`simulation failed with seed ${seed}${where}: ${reason}\nreplay with P2P_SEED=${seed}`, {
      cause,
    });
    this.name = "SeedFailure";
    this.seed = seed;
    this.schedule = schedule;
  }
}

/**
 * Parses a `P2P_SEED` value (pass `process.env.P2P_SEED` from your test). Returns undefined when
 * it is unset or empty; throws on anything but an integer.
 */
export function parseSeed(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const seed = Number(value.trim());
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`P2P_SEED must be an integer, got ${JSON.stringify(value)}`);
  }
  return seed;
}

/** Runs `body(seed)`; if it throws or rejects, rethrows a {@link SeedFailure} naming the seed. */
export async function seededRun<T>(
  seed: number,
  body: (seed: number) => T | Promise<T>,
): Promise<T> {
  try {
    return await body(seed);
  } catch (error) {
    if (error instanceof SeedFailure) throw error;
    throw new SeedFailure(seed, error);
  }
}

/**
 * Runs `body` for seeds `baseSeed`, `baseSeed + 1`, … (`count` of them), stopping at the first
 * failure with a {@link SeedFailure} ("replay with P2P_SEED=<seed>"). When `replay` (the
 * `P2P_SEED` environment value, read by the caller) is set, runs only that seed.
 */
export async function forEachSeed(
  count: number,
  baseSeed: number,
  body: (seed: number) => void | Promise<void>,
  replay?: string,
): Promise<void> {
  const only = parseSeed(replay);
  if (only !== undefined) {
    await seededRun(only, body);
    return;
  }
  for (let index = 0; index < count; index++) {
    const seed = baseSeed + index;
    try {
      await body(seed);
    } catch (error) {
      throw new SeedFailure(seed, error instanceof SeedFailure ? error.cause : error, {
        index: index + 1,
        count,
      });
    }
  }
}
