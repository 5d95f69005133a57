import { readFile } from "node:fs/promises";
import { err, ok, P2pError, type Result } from "@p2p/wire";

/** One problem found in a configuration file, located as precisely as the file allows. */
export interface ConfigProblem {
  /** The file as the caller named it, e.g. `config.yml`. */
  readonly file: string;
  /** 1-based line, when the problem can be placed on one. */
  readonly line: number | undefined;
  /** The field path, e.g. `seeds[1].port`; empty for the whole document. */
  readonly path: string;
  /** What was expected and what was found, e.g. `expected an integer 1–65535, got 70000`. */
  readonly message: string;
}

/** Formats a problem as one line: `config.yml:7: seeds[1].port: expected …, got …`. */
export function formatConfigProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const field = problem.path === "" ? "" : `${problem.path}: `;
  return `${where}: ${field}${problem.message}`;
}

/**
 * A configuration file that cannot be used. `code` is `CONFIG_UNREADABLE` (missing or unreadable
 * file) or `CONFIG_INVALID` (bad syntax or bad fields); `message` holds one line per problem.
 */
export class ConfigError extends P2pError {
  /** Every problem found, in file order. */
  readonly problems: readonly ConfigProblem[];

  constructor(
    code: "CONFIG_UNREADABLE" | "CONFIG_INVALID",
    problems: readonly ConfigProblem[],
    options?: { cause?: unknown },
  ) {
    super(code, problems.map(formatConfigProblem).join("\n"), options);
    this.problems = Object.freeze([...problems]);
  }

  /** The problems formatted one per line, ready for stderr. */
  get lines(): readonly string[] {
    return this.problems.map(formatConfigProblem);
  }
}

/** Describes a file-system error in a few words (`file not found`, `permission denied`). */
function describeFileError(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  switch (code) {
    case "ENOENT":
      return "file not found";
    case "EACCES":
    case "EPERM":
      return "permission denied";
    case "EISDIR":
      return "is a directory, expected a file";
    default:
      return error instanceof Error ? error.message : String(error);
  }
}

/**
 * Reads a configuration file as text, or returns a `CONFIG_UNREADABLE` error naming it
 * (`what` says what the file is, e.g. "the config file").
 */
export async function readConfigFile(
  path: string,
  what: string,
): Promise<Result<string, ConfigError>> {
  try {
    return ok(await readFile(path, "utf8"));
  } catch (error) {
    const problem: ConfigProblem = {
      file: path,
      line: undefined,
      path: "",
      message: `cannot read ${what}: ${describeFileError(error)}`,
    };
    return err(new ConfigError("CONFIG_UNREADABLE", [problem], { cause: error }));
  }
}
