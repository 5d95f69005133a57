/** The registry's own tables stay within their configured limits when driven past them. */
import { describe, expect, it } from "vitest";
import { createTrio } from "./trio.js";

describe("bounded registry state", () => {
  it("the one-round-trip table holds at most maxFastPathKeys keys, and every change still commits", () => {
    const trio = createTrio({ registry: { maxFastPathKeys: 4 } });
    const [a, b] = trio.seeds;
    const peers = Array.from({ length: 40 }, (_, index) => `10.9.${index}.1:7000`);
    for (const [index, address] of peers.entries()) {
      trio.command(a, { type: "register", operationId: `join-${index}`, address });
      trio.run(50);
    }
    expect(trio.registry(a).inspect().fastPathKeys).toBe(4);
    // A key dropped from the table runs both phases again, and still commits.
    trio.command(a, {
      type: "update-neighbours",
      operationId: "again",
      address: peers[0] as string,
      neighbours: [peers[1] as string],
    });
    trio.run(500);
    expect(trio.result(a, "again")?.ok).toBe(true);
    expect(trio.registry(b).list()).toHaveLength(40);
  });
});
