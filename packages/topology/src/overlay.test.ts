import { join } from "node:path";
import { createSeededRandom } from "@p2p/wire";
import { testTranscripts } from "@p2p/wire/testing";
import { numberArgument, replayTranscript, type TranscriptCommand } from "@p2p/wire/transcript";
import { describe, expect, it } from "vitest";
import {
  createOverlay,
  type DirectoryMember,
  degreesOf,
  type Overlay,
  type OverlayInput,
  type OverlayOutput,
} from "./overlay.js";

const directory = join(import.meta.dirname, "../testdata/overlay");

/** `10.0.1.2:6000/alive/10.0.1.3:6000+10.0.1.4:6000` → a member. */
function parseMember(text: string): DirectoryMember {
  const [address = "", status = "alive", list = ""] = text.split("/");
  return { address, status, neighbours: list === "" ? [] : list.split("+") };
}

function formatOutput(output: OverlayOutput): string {
  switch (output.type) {
    case "connect":
    case "disconnect":
      return `${output.type} ${output.address}`;
    case "send":
      return `send ${output.to} ${output.message.type}`;
    case "emit": {
      const { event } = output;
      switch (event.type) {
        case "neighbours-changed":
        case "selection-finished":
          return `emit ${event.type} ${event.neighbours.join(",")}`.trimEnd();
        case "members-wanted":
          return `emit ${event.type}`;
        case "neighbour-refused":
          return `emit ${event.type} ${event.address} reason=${event.reason}`;
        case "candidate-unreachable":
          return `emit ${event.type} ${event.address}`;
      }
    }
  }
}

function replay(text: string): string {
  let overlay: Overlay | undefined;
  return replayTranscript(text, (command: TranscriptCommand) => {
    if (command.name === "config") {
      overlay = createOverlay(
        {
          self: command.args.self ?? "10.0.1.1:6000",
          targetDegree: numberArgument(command, "k", 2),
          maxDegree: numberArgument(command, "max", 64),
        },
        { random: createSeededRandom(numberArgument(command, "seed", 1)) },
      );
      return [];
    }
    if (overlay === undefined) throw new Error("no config line before the first command");
    if (command.name === "state") {
      const view = overlay.inspect();
      return [
        `started=${view.isStarted} neighbours=${view.neighbours.join(",")} pending=${view.pending.join(",")} early=${view.early.join(",")}`,
      ];
    }
    const now = numberArgument(command, "now");
    const address = command.args.address ?? command.args.from ?? "";
    const input = ((): OverlayInput => {
      switch (command.name) {
        case "members":
          return { type: "members", now, members: command.positional.map(parseMember) };
        case "request":
          return { type: "receive", now, from: address, message: { type: "node.neighbour" } };
        case "refused":
          return {
            type: "receive",
            now,
            from: address,
            message: { type: "node.neighbour-refused" },
          };
        case "connected":
        case "unreachable":
          return { type: command.name, now, address };
        case "lost":
          return { type: "neighbour-lost", now, address };
        default:
          throw new Error(`unknown command ${command.name}`);
      }
    })();
    return overlay.step(input).map(formatOutput);
  });
}

describe("overlay transcripts (testdata/overlay)", () => {
  testTranscripts(directory, replay);
});

describe("degreesOf", () => {
  it("counts each undirected link between live members once", () => {
    const degrees = degreesOf([
      parseMember("a:1/alive/b:1+c:1"),
      parseMember("b:1/alive/a:1"),
      parseMember("c:1/dead/a:1"),
      parseMember("d:1/alive/b:1"),
    ]);
    expect([...degrees]).toEqual([
      ["a:1", 1],
      ["b:1", 2],
      ["d:1", 1],
    ]);
  });
});

describe("createOverlay", () => {
  it("rejects a cap below the target degree", () => {
    expect(() =>
      createOverlay(
        { self: "a:1", targetDegree: 3, maxDegree: 2 },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(/overlay config: maxDegree: must be at least targetDegree/);
  });
});
