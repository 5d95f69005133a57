import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { exitWhenStdinCloses, formatReadyLine, formatWaitingLine } from "./child-process.js";

describe("child process contract", () => {
  it("formats the ready line the starter waits for", () => {
    expect(formatReadyLine("seed", "127.0.0.1:5000")).toBe("ready seed 127.0.0.1:5000");
  });

  it("formats the waiting line on one line, whatever the reason holds", () => {
    expect(formatWaitingLine("peer", "127.0.0.1:6003", "no majority\nof seeds")).toBe(
      "waiting peer 127.0.0.1:6003: no majority of seeds",
    );
  });

  it("calls back once when stdin ends, only with P2P_EXIT_WITH_STDIN=1", async () => {
    const input = new PassThrough();
    let calls = 0;
    exitWhenStdinCloses(() => (calls += 1), { environment: { P2P_EXIT_WITH_STDIN: "1" }, input });
    input.end();
    await new Promise((resolve) => input.once("close", resolve));
    expect(calls).toBe(1);

    const other = new PassThrough();
    let otherCalls = 0;
    exitWhenStdinCloses(() => (otherCalls += 1), { environment: {}, input: other });
    other.end();
    other.resume();
    await new Promise((resolve) => other.once("close", resolve));
    expect(otherCalls).toBe(0);
  });

  it("stops watching when asked", async () => {
    const input = new PassThrough();
    let calls = 0;
    const stop = exitWhenStdinCloses(() => (calls += 1), {
      environment: { P2P_EXIT_WITH_STDIN: "1" },
      input,
    });
    stop();
    input.end();
    await new Promise((resolve) => input.once("close", resolve));
    expect(calls).toBe(0);
  });
});
