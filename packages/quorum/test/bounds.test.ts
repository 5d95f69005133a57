/** The registry's own tables stay within their configured limits when driven past them. */
import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { type AcceptorState, createSeedRegistry } from "../src/index.js";
import { fakeEvidenceValidator } from "./cluster.js";
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

  it("a restart with thousands of uncommitted keys quorum-reads them 64 at a time", () => {
    const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
    const initialState = new Map<string, AcceptorState>();
    for (let index = 0; index < 3_000; index++) {
      const address = `10.9.${Math.floor(index / 200)}.${(index % 200) + 1}:7000`;
      const ballot = { counter: 1, proposer: seeds[0] as string };
      initialState.set(address, {
        promised: ballot,
        accepted: {
          ballot,
          value: { address, status: "alive", incarnation: 0, neighbours: [], changedAt: 0 },
          operations: [],
        },
      });
    }
    const registry = createSeedRegistry(
      { seedId: seeds[0] as string, seeds },
      { random: createSeededRandom(1), validateEvidence: fakeEvidenceValidator, initialState },
    );
    expect(registry.list()).toHaveLength(0); // nothing is known committed yet
    const prepared = new Set<string>();
    for (let now = 0; now < 100; now += 10) {
      for (const output of registry.step({ type: "tick", now })) {
        if (output.type === "send" && output.message.type === "quorum.prepare") {
          prepared.add(output.message.key);
        }
      }
    }
    expect(prepared.size).toBe(64);
    expect(registry.inspect().activeOperations).toBe(64);
  });

  it("learn messages waiting for this seed's accept stay within maxPendingLearns", () => {
    const trio = createTrio({ registry: { maxPendingLearns: 10, syncIntervalMs: 600_000 } });
    const [a, b] = trio.seeds;
    for (let index = 0; index < 100; index++) {
      trio.registry(b).step({
        type: "receive",
        now: 0,
        from: a,
        message: {
          type: "quorum.learn",
          key: `10.9.0.${index + 1}:7000`,
          ballot: { counter: 1, proposer: a },
          value: null,
        },
      });
    }
    expect(trio.registry(b).inspect().pendingLearns).toBe(10);
  });
});
