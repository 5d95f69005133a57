import type { MemberRecord, SeedRegistryInput, SeedRegistryOutput } from "@p2p/quorum";
import { err, ok, P2pError, type Result } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createOperationStats } from "./seed-stats.js";

const PEER = "10.0.1.1:6000";
const record: MemberRecord = {
  address: PEER,
  status: "alive",
  incarnation: 0,
  neighbours: [],
  changedAt: 0,
};

/** A registry stand-in that answers each input with the outputs scripted for it. */
function scripted(answers: Map<SeedRegistryInput, readonly SeedRegistryOutput[]>) {
  const seen: SeedRegistryInput[] = [];
  return {
    seen,
    machine: {
      step: (input: SeedRegistryInput) => {
        seen.push(input);
        return answers.get(input) ?? [];
      },
      nextDeadline: () => 42,
      inspect: () => "view",
    },
  };
}

const register = (now: number, requestId: string): SeedRegistryInput => ({
  type: "receive",
  now,
  from: PEER,
  message: { type: "quorum.register-request", requestId, address: PEER },
});
const tick = (now: number): SeedRegistryInput => ({ type: "tick", now });
const response = (requestId: string, code?: string): SeedRegistryOutput => ({
  type: "send",
  to: PEER,
  message: {
    type: "quorum.register-response",
    requestId,
    ok: code === undefined,
    record: code === undefined ? record : null,
    error: code === undefined ? null : { code, message: code },
  },
});

describe("createOperationStats", () => {
  it("times a request from the registry's input to its delivered answer; steps pass through", () => {
    const stats = createOperationStats([10, 100]);
    const first = register(1_000, "r1");
    const duplicate = register(1_020, "r1");
    const answer = tick(1_050);
    const { machine, seen } = scripted(
      new Map([
        [answer, [response("r1"), { type: "emit", event: { type: "member-registered", record } }]],
      ]),
    );
    const observed = stats.observe(machine);
    expect(observed.step(first)).toEqual([]);
    observed.step(duplicate); // a retry of the same request: timed from the first copy
    const outputs = observed.step(answer);
    expect(outputs).toHaveLength(2);
    expect(seen).toEqual([first, duplicate, answer]);
    expect(stats.snapshot().commitLatency.count).toBe(0); // not answered until delivered
    // Delivered once the persists before them are durable.
    for (const output of outputs) stats.delivered(1_080, output);
    expect(observed.nextDeadline()).toBe(42);
    expect(observed.inspect()).toBe("view");
    expect(stats.snapshot()).toEqual({
      commitLatency: { boundsMs: [10, 100], counts: [0, 1, 0], count: 1, sumMs: 80 },
      noQuorum: 0,
      refusals: {},
      changes: { registered: 1, updated: 0, removed: 0, left: 0 },
    });
  });

  it("counts NO_QUORUM apart from refusals, by code, and times the seed's own commands", () => {
    const stats = createOperationStats([10]);
    const dead = { ...record, status: "dead" as const };
    const completed = (operationId: string, result: Result<MemberRecord | undefined>) => ({
      type: "emit" as const,
      event: { type: "operation-completed" as const, operationId, address: PEER, result },
    });
    const markDead = (now: number, operationId: string): SeedRegistryInput => ({
      type: "command",
      now,
      command: { type: "mark-dead", operationId, address: PEER, incarnation: 0, evidence: {} },
    });
    const steps: [SeedRegistryInput, SeedRegistryOutput[]][] = [
      [markDead(0, "op-1"), []],
      [markDead(1, "op-2"), []],
      [register(2, "a"), [response("a", "KEY_MISMATCH")]],
      [register(3, "b"), [response("b", "NOT_ADMITTED")]],
      [register(4, "c"), []],
      [tick(3_000), [response("c", "NO_QUORUM")]],
      [
        tick(4_000),
        [
          completed("op-1", ok(dead)),
          { type: "emit", event: { type: "member-removed", record: dead } },
        ],
      ],
      [tick(5_000), [completed("op-2", err(new P2pError("NO_QUORUM", "no quorum")))]],
    ];
    const observed = stats.observe(scripted(new Map(steps)).machine);
    for (const [input] of steps) {
      for (const output of observed.step(input)) stats.delivered(input.now, output);
    }
    const snapshot = stats.snapshot();
    expect(snapshot.refusals).toEqual({ KEY_MISMATCH: 1, NOT_ADMITTED: 1 });
    expect(snapshot.noQuorum).toBe(2);
    expect(snapshot.commitLatency).toEqual({
      boundsMs: [10],
      counts: [0, 1],
      count: 1,
      sumMs: 4_000,
    });
    expect(snapshot.changes).toEqual({ registered: 0, updated: 0, removed: 1, left: 0 });
  });
});
