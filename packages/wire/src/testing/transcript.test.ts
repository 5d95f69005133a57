import { describe, expect, it } from "vitest";
import { listArgument, parseTranscriptCommand, replayTranscript } from "./transcript.js";

describe("replayTranscript", () => {
  const echo = (command: ReturnType<typeof parseTranscriptCommand>) =>
    command.name === "fail"
      ? (() => {
          throw new Error("boom");
        })()
      : [`${command.name} ${command.positional.join(" ")}`];

  it("rewrites each block's output and keeps comments and commands", () => {
    const source = "# a comment\nsay hello\nsay world\n----\nold output\n\nfail\n----\n";
    expect(replayTranscript(source, echo)).toBe(
      "# a comment\nsay hello\nsay world\n----\nsay hello\nsay world\n\nfail\n----\nerror: boom\n",
    );
  });

  it("returns a file unchanged when every output matches", () => {
    const source = "say a\n----\nsay a\n\nsay b\n----\nsay b\n";
    expect(replayTranscript(source, echo)).toBe(source);
  });

  it("marks a block without output", () => {
    expect(replayTranscript("quiet\n----\n", () => [])).toBe("quiet\n----\n(no output)\n");
  });
});

describe("parseTranscriptCommand", () => {
  it("splits the name, key=value arguments and positional words", () => {
    const command = parseTranscriptCommand("send 10.0.0.1:5000 now=5 seeds=a,b ok", 7);
    expect(command).toMatchObject({
      line: 7,
      name: "send",
      args: { now: "5", seeds: "a,b" },
      positional: ["10.0.0.1:5000", "ok"],
    });
    expect(listArgument(command, "seeds")).toEqual(["a", "b"]);
    expect(listArgument(command, "missing", ["x"])).toEqual(["x"]);
  });
});
