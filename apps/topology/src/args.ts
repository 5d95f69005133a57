import { z } from "zod";

/** Exit codes (sysexits): usage error, bad input data, missing input file. */
export const EXIT_USAGE = 64;
export const EXIT_DATA = 65;
export const EXIT_NO_INPUT = 66;

/** A CLI mistake: printed as one line, exit code attached. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

const integerText = (name: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${name}: expected an integer, got`)
    .transform(Number)
    .pipe(
      z.number().int().min(min, `${name}: must be ≥ ${min}`).max(max, `${name}: must be ≤ ${max}`),
    );

const common = {
  seed: integerText("--seed", 0, 2 ** 31 - 1),
  out: z.string().min(1, "--out: must not be empty"),
  bootstrap: integerText("--bootstrap", 1, 100_000),
  drawMaxNodes: integerText("--draw-max-nodes", 0, 5000),
};

/** Options of `topology simulate`, validated. */
export const SimulateOptionsSchema = z.object({
  nodes: integerText("--nodes", 1, 10_000_000),
  k: integerText("--k", 1, 1000),
  ...common,
});
export type SimulateOptions = z.infer<typeof SimulateOptionsSchema>;

/** Options of `topology analyze`, validated. */
export const AnalyzeOptionsSchema = z.object({
  file: z.string().regex(/\.(json|csv)$/i, "<edges>: expected a .json or .csv file"),
  ...common,
});
export type AnalyzeOptions = z.infer<typeof AnalyzeOptionsSchema>;

/** Validates raw commander options; throws a one-line {@link CliError} (exit 64). */
export function parseOptions<T>(schema: z.ZodType<T>, raw: unknown): T {
  const result = schema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.join(".") ?? "";
  const input = (raw as Record<string, unknown>)[String(issue?.path[0] ?? "")];
  const message = issue?.message ?? "invalid arguments";
  const shown = message.endsWith("got") ? `${message} '${String(input)}'` : message;
  throw new CliError(
    shown.startsWith("-") || shown.startsWith("<") ? shown : `${where}: ${shown}`,
    EXIT_USAGE,
  );
}
