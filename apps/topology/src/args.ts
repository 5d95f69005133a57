import { EXIT, formatSchemaProblem, parseWithSchema } from "@p2p/cli-support";
import { z } from "zod";

/** Exit codes (sysexits, as every p2p app uses them): usage error, bad input data, missing input file. */
export const EXIT_USAGE = EXIT.usage;
export const EXIT_DATA = EXIT.data;
export const EXIT_NO_INPUT = EXIT.noInput;

/** A CLI mistake: printed as one line per problem, exit code attached. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number) {
    super(message);
    this.name = "CliError";
    this.exitCode = exitCode;
  }
}

const integerText = (min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, "expected an integer")
    .transform(Number)
    .pipe(z.number().int().min(min, `must be ≥ ${min}`).max(max, `must be ≤ ${max}`));

const common = {
  seed: integerText(0, 2 ** 31 - 1),
  out: z.string().min(1, "must not be empty"),
  bootstrap: integerText(1, 100_000),
  drawMaxNodes: integerText(0, 5000),
};

/** Options of `topology simulate`, validated. */
export const SimulateOptionsSchema = z.object({
  nodes: integerText(1, 10_000_000),
  k: integerText(1, 1000),
  exponent: z
    .string()
    .regex(/^\d+(\.\d+)?$/, "expected a number such as 2.8")
    .transform(Number)
    .pipe(z.number().gt(2, "must be > 2").lte(10, "must be ≤ 10")),
  ...common,
});

/** Options of `topology analyze`, validated. */
export const AnalyzeOptionsSchema = z.object({
  file: z.string().regex(/\.(json|csv)$/i, "expected a .json or .csv file"),
  ...common,
});

/** `drawMaxNodes` → `--draw-max-nodes`; the positional `file` is `<edges>`. */
function optionName(key: PropertyKey | undefined): string {
  if (key === "file") return "<edges>";
  return `--${String(key).replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/**
 * Validates raw commander options; throws a {@link CliError} (exit 64) with one line per
 * problem, e.g. `--nodes: must be ≥ 1, got "0"`.
 */
export function parseOptions<T>(schema: z.ZodType<T>, raw: unknown): T {
  const parsed = parseWithSchema(schema, raw);
  if (parsed.ok) return parsed.value;
  const lines = parsed.error.map((problem) =>
    formatSchemaProblem({ ...problem, field: optionName(problem.path[0]) }),
  );
  throw new CliError(lines.join("\n"), EXIT_USAGE);
}
