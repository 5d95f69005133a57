import { spawnSync } from "node:child_process";
import { describe, expect, it } from "vitest";
import { cpuNanoseconds } from "./processes.js";

describe("cpuNanoseconds", () => {
  it("agrees with the process's own account of its CPU time", () => {
    const before = cpuNanoseconds([process.pid]);
    const usage = process.cpuUsage();
    let sink = 0;
    for (let round = 0; round < 200; round++) {
      sink += JSON.stringify(Array.from({ length: 2_000 }, (_, n) => n * round)).length;
    }
    const ownNs = (({ user, system }) => (user + system) * 1000)(process.cpuUsage(usage));
    const measuredNs = cpuNanoseconds([process.pid]) - before;
    expect(sink).toBeGreaterThan(0);
    expect(ownNs).toBeGreaterThan(0);
    expect(measuredNs).toBeGreaterThan(ownNs / 2);
    expect(measuredNs).toBeLessThan(ownNs * 2);
  });

  it("counts a process that has exited as 0", () => {
    const { pid } = spawnSync("true");
    expect(pid).toBeGreaterThan(0);
    expect(cpuNanoseconds([pid as number])).toBe(0);
    expect(cpuNanoseconds([])).toBe(0);
  });
});
