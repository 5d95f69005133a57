import { describe, expect, it } from "vitest";
import { createStepTimer } from "./host.js";

/** Blocks this thread for `ms` without using a CPU, as a host waiting for a core would. */
const blockWithoutCpu = (ms: number) =>
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

describe("createStepTimer", () => {
  it("keeps the longest step and starts a new window on take", () => {
    const steps = createStepTimer();
    steps.time(() => blockWithoutCpu(5));
    steps.time(() => blockWithoutCpu(40));
    steps.time(() => {});
    expect(steps.take().wallMs).toBeGreaterThanOrEqual(40);
    expect(steps.take().wallMs).toBe(0);
  });

  it("records a step that throws, and lets the error through", () => {
    const steps = createStepTimer();
    expect(() =>
      steps.time(() => {
        blockWithoutCpu(20);
        throw new Error("boom");
      }),
    ).toThrow("boom");
    expect(steps.take().wallMs).toBeGreaterThanOrEqual(20);
  });

  it.runIf(process.platform === "linux")(
    "tells time on a CPU from time spent blocked (Linux)",
    () => {
      const steps = createStepTimer();
      steps.time(() => blockWithoutCpu(100));
      const { wallMs, cpuMs } = steps.take();
      expect(wallMs).toBeGreaterThanOrEqual(100);
      expect(cpuMs).toBeDefined();
      // A thread asleep for 100 ms spends almost none of it on a CPU.
      expect(cpuMs ?? Number.POSITIVE_INFINITY).toBeLessThan(wallMs / 2);
    },
  );
});
