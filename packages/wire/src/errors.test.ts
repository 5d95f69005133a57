import { describe, expect, it } from "vitest";
import { assertNever, P2pError } from "./errors.js";

describe("P2pError", () => {
  it("carries a stable code and is recognised by code", () => {
    const error = new P2pError("FRAME_TOO_LARGE", "frame of 9 bytes exceeds 8", { cause: "x" });
    expect(P2pError.is(error)).toBe(true);
    expect(P2pError.is(error, "FRAME_TOO_LARGE")).toBe(true);
    expect(P2pError.is(error, "OTHER")).toBe(false);
    expect(P2pError.is(new Error("plain"))).toBe(false);
    expect(error.cause).toBe("x");
  });

  it("assertNever throws with the unexpected value", () => {
    expect(() => assertNever("boom" as never, "message type")).toThrow(
      /unexpected message type: "boom"/,
    );
  });
});
