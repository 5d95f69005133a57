import { describe, expect, it } from "vitest";
import { z } from "zod";
import { formatSchemaProblem, parseWithSchema } from "./schema-problems.js";

const schema = z.strictObject({
  name: z.string({ error: "expected a name" }),
  ports: z.array(z.number({ error: "expected an integer" }).int({ error: "expected an integer" })),
  size: z.number({ error: "expected a number" }).optional(),
});

describe("parseWithSchema", () => {
  it("returns the parsed value", () => {
    expect(parseWithSchema(schema, { name: "a", ports: [1] })).toEqual({
      ok: true,
      value: { name: "a", ports: [1] },
    });
  });

  it("reports every problem, each with its field path, what was found or that it is missing", () => {
    const result = parseWithSchema(schema, {
      ports: [1, 2.5, "x"],
      size: "big",
      colour: 1,
      shape: 2,
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.error.map((problem) => formatSchemaProblem(problem, "app: "))).toEqual([
      "app: name: missing; expected a name",
      "app: ports[1]: expected an integer, got 2.5",
      'app: ports[2]: expected an integer, got "x"',
      'app: size: expected a number, got "big"',
      "app: colour: unknown key",
      "app: shape: unknown key",
    ]);
  });

  it("keeps a message raised as verbatim as it is", () => {
    const refined = z.number().superRefine((value, context) => {
      context.addIssue({ code: "custom", params: { verbatim: true }, message: `${value} is odd` });
    });
    const result = parseWithSchema(refined, 3);
    expect(result.ok ? [] : result.error.map((problem) => formatSchemaProblem(problem))).toEqual([
      "3 is odd",
    ]);
  });
});
