import { err, ok, type Result } from "@p2p/wire";
import type { z } from "zod";

/** One problem a schema found in its input: where it is and what is wrong. */
export interface SchemaProblem {
  /** Path to the field, e.g. `["seeds", 1, "port"]`; empty for the whole input. */
  readonly path: readonly PropertyKey[];
  /** The path as text, e.g. `seeds[1].port`; empty for the whole input. */
  readonly field: string;
  /**
   * What is wrong, complete: `expected an integer 1–65535, got 70000`, or
   * `missing; expected …` when the field is absent, or `unknown key` for a key the schema
   * does not know (one problem per key).
   */
  readonly message: string;
  /** The zod issue code (`invalid_type`, `custom`, `unrecognized_keys`, …). */
  readonly code: string;
}

/**
 * Validates `input` against `schema` and reports every problem, not only the first, in the
 * order zod found them. An issue raised with `params: { verbatim: true }` keeps its message
 * as written; any other gets `, got <value>` (or `missing; ` when the field is absent).
 */
export function parseWithSchema<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
): Result<z.output<Schema>, readonly SchemaProblem[]> {
  const parsed = schema.safeParse(input);
  if (parsed.success) return ok(parsed.data);
  return err(schemaProblems(parsed.error, input));
}

/** Every issue of a zod error as a {@link SchemaProblem} (see {@link parseWithSchema}). */
export function schemaProblems(error: z.ZodError, input: unknown): SchemaProblem[] {
  const problems: SchemaProblem[] = [];
  for (const issue of error.issues) {
    if (issue.code === "unrecognized_keys") {
      for (const key of issue.keys) {
        const path = [...issue.path, key];
        problems.push({
          path,
          field: formatFieldPath(path),
          message: "unknown key",
          code: issue.code,
        });
      }
      continue;
    }
    const isVerbatim = issue.code === "custom" && issue.params?.verbatim === true;
    const value = valueAt(input, issue.path);
    const message = isVerbatim
      ? issue.message
      : value === undefined
        ? `missing; ${issue.message}`
        : `${issue.message}, got ${describeValue(value)}`;
    problems.push({
      path: issue.path,
      field: formatFieldPath(issue.path),
      message,
      code: issue.code,
    });
  }
  return problems;
}

/** Formats a problem as one line: `seeds[1].port: expected …, got …` (`prefix` goes first). */
export function formatSchemaProblem(problem: SchemaProblem, prefix = ""): string {
  const field = problem.field === "" ? "" : `${problem.field}: `;
  return `${prefix}${field}${problem.message}`;
}

/** `["seeds", 1, "port"]` → `seeds[1].port`. */
export function formatFieldPath(path: readonly PropertyKey[]): string {
  let text = "";
  for (const segment of path) {
    if (typeof segment === "number") text += `[${segment}]`;
    else text += text === "" ? String(segment) : `.${String(segment)}`;
  }
  return text;
}

/** Describes a value in a few words for a problem line: `"abc"`, `70000`, `a list`, `a mapping`. */
export function describeValue(value: unknown): string {
  if (value === null) return "nothing (null)";
  if (Array.isArray(value)) return value.length === 0 ? "an empty list" : "a list";
  if (typeof value === "object") return "a mapping";
  if (typeof value === "string") return JSON.stringify(value);
  return String(value);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let value = root;
  for (const segment of path) {
    if (value === null || typeof value !== "object") return undefined;
    value = (value as Record<PropertyKey, unknown>)[segment];
  }
  return value;
}
