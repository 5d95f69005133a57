import type { z } from "zod";
import { formatIssues } from "./codec.js";
import { P2pError, type WireErrorCode } from "./errors.js";

/**
 * Validates a machine's configuration against its schema, applies the schema's defaults and
 * freezes the result. On a bad config throws `CONFIG_INVALID` naming every problem with its
 * field path (`gossip config: fanout: expected number, received string; …`), not just the first.
 */
export function parseConfig<Schema extends z.ZodType>(
  schema: Schema,
  input: unknown,
  what: string,
): Readonly<z.output<Schema>> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) {
    throw new P2pError<WireErrorCode>(
      "CONFIG_INVALID",
      `${what}: ${formatIssues(parsed.error.issues, input, Number.POSITIVE_INFINITY)}`,
      { cause: parsed.error },
    );
  }
  const data = parsed.data;
  return typeof data === "object" && data !== null ? Object.freeze(data) : data;
}
