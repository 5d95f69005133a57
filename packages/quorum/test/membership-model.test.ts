import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  type Change,
  leaveChange,
  type MemberRecord,
  markDeadChange,
  readChange,
  registerChange,
  updateNeighboursChange,
} from "../src/index.js";
import { fakeEvidenceValidator, normalise } from "./cluster.js";
import {
  applyOperation,
  describeState,
  type MemberOperation,
  type ModelState,
  membershipModel,
} from "./membership-model.js";

const key = "10.9.0.1:7000";
const keyA = "a".repeat(64);
const keyB = "b".repeat(64);

/** Applies `operations` in order; the outcome of each (a state, or an error code). */
function run(operations: readonly MemberOperation[]): string[] {
  let state: ModelState;
  return operations.map((operation) => {
    const step = applyOperation(key, state, operation);
    if (!step.ok) return step.code;
    state = step.state;
    return describeState(state);
  });
}

describe("the reference model of a membership record (README rules)", () => {
  it("registers at incarnation 0, then again only through a tombstone, at incarnation + 1", () => {
    const [first, left, again] = run([
      { kind: "register", neighbours: ["10.8.0.2:7000", "10.8.0.1:7000", "10.8.0.1:7000"] },
      { kind: "leave", incarnation: 0 },
      { kind: "register", neighbours: [] },
    ]);
    expect(first).toBe(
      JSON.stringify(["alive", 0, ["10.8.0.1:7000", "10.8.0.2:7000"], null, null]),
    );
    expect(left).toBe(JSON.stringify(["left", 0, [], null, null]));
    expect(again).toBe(JSON.stringify(["alive", 1, [], null, null]));
  });

  it("re-registering an alive record keeps its incarnation and replaces its neighbours", () => {
    const outcomes = run([
      { kind: "register", neighbours: ["10.8.0.1:7000"] },
      { kind: "register", neighbours: ["10.8.0.3:7000"], publicKey: keyA },
      { kind: "register", neighbours: [], publicKey: keyB },
    ]);
    expect(outcomes[1]).toBe(JSON.stringify(["alive", 0, ["10.8.0.3:7000"], keyA, null]));
    expect(outcomes[2]).toBe("KEY_MISMATCH");
  });

  it("refuses what the rules refuse, with the package's codes", () => {
    expect(run([{ kind: "update-neighbours", neighbours: [] }])).toEqual(["NOT_MEMBER"]);
    expect(run([{ kind: "leave", incarnation: 0 }])).toEqual(["NOT_MEMBER"]);
    const voters = ["10.8.0.1:7000", "10.8.0.2:7000"];
    expect(
      run([
        { kind: "register", neighbours: ["10.8.0.1:7000"] },
        { kind: "mark-dead", incarnation: 1, voters },
        { kind: "mark-dead", incarnation: 0, voters },
        { kind: "register", neighbours: voters },
        { kind: "mark-dead", incarnation: 0, voters },
        { kind: "mark-dead", incarnation: 0, voters: [] },
        { kind: "leave", incarnation: 0 },
        { kind: "update-neighbours", neighbours: [] },
      ]).slice(1),
    ).toEqual([
      "STALE_INCARNATION",
      "EVIDENCE_INVALID", // one of the voters is a neighbour
      JSON.stringify(["alive", 0, voters, null, null]),
      JSON.stringify(["dead", 0, voters, null, { voters }]),
      JSON.stringify(["dead", 0, voters, null, { voters }]), // already dead: unchanged
      "NOT_MEMBER", // a dead record does not leave
      "NOT_MEMBER",
    ]);
  });

  it("as a model, accepts an answer only when it matches, and leaves the state on a refusal", () => {
    const model = membershipModel(key);
    const registered = model.step(undefined, { kind: "register", neighbours: [] }, undefined);
    expect(registered).toBeDefined();
    const state = registered?.state;
    expect(model.step(state, { kind: "get" }, { ok: false, code: "NOT_MEMBER" })).toBeUndefined();
    const refused = model.step(
      state,
      { kind: "leave", incarnation: 3 },
      {
        ok: false,
        code: "STALE_INCARNATION",
      },
    );
    expect(refused?.state).toBe(state);
  });
});

/** The implementation's change for `operation` (the model must agree with it). */
function changeOf(operation: MemberOperation): Change {
  switch (operation.kind) {
    case "register":
      return registerChange(
        key,
        { neighbours: operation.neighbours, publicKey: operation.publicKey },
        0,
      );
    case "update-neighbours":
      return updateNeighboursChange(key, operation.neighbours, 0);
    case "mark-dead":
      return markDeadChange(
        key,
        operation.incarnation,
        { voters: operation.voters },
        fakeEvidenceValidator,
        0,
      );
    case "leave":
      return leaveChange(key, operation.incarnation, 0);
    case "get":
      return readChange;
  }
}

const neighboursArbitrary = fc.subarray(["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000", key]);
const operationArbitrary: fc.Arbitrary<MemberOperation> = fc.oneof(
  fc.record(
    {
      kind: fc.constant("register" as const),
      neighbours: neighboursArbitrary,
      publicKey: fc.constantFrom(keyA, keyB),
    },
    { requiredKeys: ["kind", "neighbours"] },
  ),
  fc.record({ kind: fc.constant("update-neighbours" as const), neighbours: neighboursArbitrary }),
  fc.record({
    kind: fc.constant("mark-dead" as const),
    incarnation: fc.integer({ min: 0, max: 2 }),
    voters: neighboursArbitrary,
  }),
  fc.record({ kind: fc.constant("leave" as const), incarnation: fc.integer({ min: 0, max: 2 }) }),
  fc.constant({ kind: "get" as const }),
);

describe("the model and the package's change functions", () => {
  it("agree on every sequence of operations (differential property)", () => {
    fc.assert(
      fc.property(fc.array(operationArbitrary, { maxLength: 25 }), (operations) => {
        let modelState: ModelState;
        let record: MemberRecord | undefined;
        for (const operation of operations) {
          const expected = applyOperation(key, modelState, operation);
          const actual = changeOf(operation)(record);
          expect(actual.ok).toBe(expected.ok);
          if (expected.ok && actual.ok) {
            modelState = expected.state;
            record = actual.value;
            expect(normalise(record)).toBe(describeState(modelState));
          } else if (!expected.ok && !actual.ok) {
            expect(actual.error.code).toBe(expected.code);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
