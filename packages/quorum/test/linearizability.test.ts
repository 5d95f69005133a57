import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  checkLinearizable,
  DEFAULT_BUDGET,
  type HistoryOperation,
  type RegisterInput,
  registerModel,
} from "./linearizability.js";

type Operation = HistoryOperation<RegisterInput, number>;
const write = (value: number, call: number, ret: number): Operation => ({
  call,
  ret,
  input: { kind: "write", value },
  output: value,
});
const read = (value: number | undefined, call: number, ret: number): Operation => ({
  call,
  ret,
  input: { kind: "read" },
  output: value,
});

describe("checkLinearizable", () => {
  it("accepts a sequential history", () => {
    expect(checkLinearizable(registerModel, [write(1, 0, 1), read(1, 2, 3)]).ok).toBe(true);
  });

  it("rejects a stale read after a completed write", () => {
    expect(checkLinearizable(registerModel, [write(1, 0, 1), read(0, 2, 3)]).ok).toBe(false);
  });

  it("accepts either value for a read concurrent with a write", () => {
    expect(checkLinearizable(registerModel, [write(1, 0, 10), read(0, 1, 2)]).ok).toBe(true);
    expect(checkLinearizable(registerModel, [write(1, 0, 10), read(1, 1, 2)]).ok).toBe(true);
  });

  it("rejects a value that flips back (new, then old, in sequence)", () => {
    const history = [write(1, 0, 10), read(1, 1, 2), read(0, 3, 4)];
    expect(checkLinearizable(registerModel, history).ok).toBe(false);
  });

  it("rejects two readers seeing two concurrent writes in opposite orders", () => {
    const history = [
      write(1, 0, 100),
      write(2, 0, 100),
      read(1, 10, 11),
      read(2, 12, 13),
      read(1, 14, 15),
    ];
    expect(checkLinearizable(registerModel, history).ok).toBe(false);
  });

  it("lets an unanswered write take effect late, or never", () => {
    const pending = { ...write(5, 0, Number.POSITIVE_INFINITY), output: undefined };
    expect(checkLinearizable(registerModel, [pending, read(0, 1, 2), read(5, 3, 4)]).ok).toBe(true);
    expect(checkLinearizable(registerModel, [pending, read(0, 1, 2)]).ok).toBe(true);
    // but once seen, it cannot be unseen
    expect(checkLinearizable(registerModel, [pending, read(5, 1, 2), read(0, 3, 4)]).ok).toBe(
      false,
    );
  });

  it("stays fast with many unanswered writes, and still rejects what none of them explains", () => {
    const pending = Array.from({ length: 40 }, (_, index) => ({
      ...write((index % 3) + 1, index, Number.POSITIVE_INFINITY),
      output: undefined,
    }));
    const reads = [read(2, 100, 101), read(3, 102, 103), read(1, 104, 105)];
    expect(checkLinearizable(registerModel, [...pending, ...reads]).ok).toBe(true);
    expect(checkLinearizable(registerModel, [...pending, ...reads, read(9, 106, 107)]).ok).toBe(
      false,
    );
  });

  it("rejects a read of a value nobody wrote", () => {
    expect(checkLinearizable(registerModel, [write(1, 0, 1), read(7, 0, 5)]).ok).toBe(false);
  });

  it("accepts every history produced by a real sequential register run concurrently (property)", () => {
    // Build histories from an atomic register: each operation takes effect at a point inside
    // its [call, ret] interval, so the result is linearizable by construction.
    const operationArbitrary = fc.record({
      call: fc.integer({ min: 0, max: 100 }),
      length: fc.integer({ min: 1, max: 30 }),
      // where in [call, ret] it takes effect, in steps of 1/1024 of its length, never at an end
      // (a point equal to `ret` would tie with an operation called then, which is after it)
      offset: fc.integer({ min: 1, max: 1023 }).map((step) => step / 1024),
      isWrite: fc.boolean(),
      value: fc.integer({ min: 1, max: 4 }),
    });
    fc.assert(
      fc.property(fc.array(operationArbitrary, { minLength: 1, maxLength: 12 }), (specs) => {
        const timed = specs
          .map((spec) => ({ ...spec, point: spec.call + spec.offset * spec.length }))
          .sort((a, b) => a.point - b.point);
        let state = 0;
        const history: Operation[] = timed.map((spec) => {
          const ret = spec.call + spec.length;
          if (spec.isWrite) {
            state = spec.value;
            return write(spec.value, spec.call, ret);
          }
          return read(state, spec.call, ret);
        });
        expect(checkLinearizable(registerModel, history).ok).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects those histories once one read is corrupted to a value never written (property)", () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 1, maxLength: 8 }),
        (values) => {
          const history: Operation[] = values.map((value, index) =>
            write(value, index * 10, index * 10 + 5),
          );
          history.push(read(99, 1000, 1001));
          expect(checkLinearizable(registerModel, history).ok).toBe(false);
        },
      ),
      { numRuns: 50 },
    );
  });

  describe("search budget", () => {
    // Forty unanswered writes of distinct values and a read of none of them: the search must
    // try a great many orders before it can say no.
    const hard = [
      ...Array.from({ length: 40 }, (_, index) => ({
        ...write(index + 1, index, Number.POSITIVE_INFINITY),
        output: undefined,
      })),
      ...Array.from({ length: 12 }, (_, index) =>
        read(index + 1, 100 + index * 2, 101 + index * 2),
      ),
      read(99, 200, 201),
    ];

    it("answers undecided, not a verdict, once the steps are spent", () => {
      const verdict = checkLinearizable(registerModel, hard, { maxSteps: 500 });
      expect(verdict.ok).toBe("undecided");
      expect(verdict.steps).toBe(500);
      if (verdict.ok === "undecided")
        expect(verdict.reason).toMatch(/budget spent after 500 steps/);
    });

    it("is deterministic: the same history and budget give the same verdict and steps", () => {
      const first = checkLinearizable(registerModel, hard, { maxSteps: 2_000 });
      const second = checkLinearizable(registerModel, hard, { maxSteps: 2_000 });
      expect(second).toEqual(first);
    });

    it("stops on a wall-clock budget too", () => {
      const verdict = checkLinearizable(registerModel, hard, { maxMs: 0 });
      expect(verdict.ok).toBe("undecided");
    });

    it("still decides small histories within the default budget, and counts the steps", () => {
      const passing = checkLinearizable(registerModel, [write(1, 0, 1), read(1, 2, 3)]);
      expect(passing).toEqual({ ok: true, steps: 2 });
      const failing = checkLinearizable(
        registerModel,
        [write(1, 0, 1), read(0, 2, 3)],
        DEFAULT_BUDGET,
      );
      expect(failing.ok).toBe(false);
      expect(failing.steps).toBeGreaterThan(0);
    });
  });
});
