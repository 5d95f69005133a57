import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseConfig } from "./config.js";

const Schema = z.object({
  self: z.string(),
  intervalMs: z.number().positive().default(1_000),
  limits: z.object({ maxPeers: z.number().int() }).default({ maxPeers: 8 }),
});

describe("parseConfig", () => {
  it("applies defaults and freezes the result", () => {
    const config = parseConfig(Schema, { self: "a" }, "demo config");
    expect(config).toEqual({ self: "a", intervalMs: 1_000, limits: { maxPeers: 8 } });
    expect(Object.isFrozen(config)).toBe(true);
  });

  it("names every problem with its field path, not just the first", () => {
    expect(() =>
      parseConfig(Schema, { self: 1, intervalMs: -5, limits: { maxPeers: 1.5 } }, "demo config"),
    ).toThrow(
      expect.objectContaining({
        code: "CONFIG_INVALID",
        message: expect.stringMatching(
          /^demo config: self: expected string, received number; intervalMs: .+; limits\.maxPeers: .+$/,
        ),
      }),
    );
  });
});
