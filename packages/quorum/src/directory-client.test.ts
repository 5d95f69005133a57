import { join } from "node:path";
import { createSeededRandom } from "@p2p/wire";
import { testTranscripts } from "@p2p/wire/testing";
import {
  listArgument,
  numberArgument,
  replayTranscript,
  type TranscriptCommand,
} from "@p2p/wire/transcript";
import { describe, expect, it } from "vitest";
import { createDirectoryClient } from "./directory-client.js";
import type {
  DirectoryClient,
  DirectoryClientInput,
  DirectoryClientOutput,
} from "./directory-client-types.js";
import type { MemberEntry, MemberRecord } from "./messages.js";

const directory = join(import.meta.dirname, "../testdata/directory-client");
const KEY = "ab".repeat(32);

/** `10.0.1.2:6000/alive/0/v3/10.0.1.3:6000+10.0.1.4:6000` → a member entry. */
function parseEntry(text: string): MemberEntry {
  const [address = "", status = "alive", incarnation = "0", version = "v1", list = ""] =
    text.split("/");
  return {
    record: {
      address,
      status: status as MemberRecord["status"],
      incarnation: Number(incarnation),
      neighbours: list === "" ? [] : list.split("+"),
      changedAt: 0,
    },
    version: Number(version.slice(1)),
  };
}

const formatRecord = (record: MemberRecord) =>
  `${record.address}/${record.status}/${record.incarnation}${record.neighbours.length > 0 ? `/${record.neighbours.join("+")}` : ""}`;

/** One output line per output, without the peer's own address in request ids. */
function formatOutput(self: string, output: DirectoryClientOutput): string {
  if (output.type === "send") {
    const { message } = output;
    const id = message.requestId.slice(self.length + 1);
    const name = message.type.replace("quorum.", "");
    switch (message.type) {
      case "quorum.register-request":
        return `send ${output.to} ${name} id=${id} neighbours=${(message.neighbours ?? []).join(",")}`;
      case "quorum.update-neighbours":
        return `send ${output.to} ${name} id=${id} neighbours=${message.neighbours.join(",")}`;
      case "quorum.leave-request":
        return `send ${output.to} ${name} id=${id} incarnation=${message.incarnation}`;
      case "quorum.list-request":
        return `send ${output.to} ${name} id=${id}${message.after === undefined ? "" : ` after=${message.after}`}${message.addresses === undefined ? "" : ` addresses=${message.addresses.join(",")}`}`;
      case "quorum.dead-report":
        return `send ${output.to} ${name} id=${id} suspect=${message.address} incarnation=${message.incarnation}`;
    }
  }
  const { event } = output;
  switch (event.type) {
    case "registered":
      return `emit registered ${formatRecord(event.record)} seeds=${event.seeds.join(",")}`;
    case "rejoined":
      return `emit rejoined ${formatRecord(event.record)}`;
    case "members":
      return [`emit members reason=${event.reason}`, ...event.records.map(formatRecord)].join(" ");
    case "records":
      return ["emit records", ...event.records.map(formatRecord)].join(" ");
    case "left":
      return `emit left committed=${event.isCommitted}`;
    case "registration-refused":
      return `emit registration-refused retry=${event.retryInMs}: ${event.message}`;
    case "registration-failed":
    case "rejoin-failed":
      return `emit ${event.type}: ${event.message}`;
  }
}

/** Runs one transcript file against a fresh client per `config` line. */
function replay(text: string): string {
  let client: DirectoryClient | undefined;
  let self = "";
  return replayTranscript(text, (command: TranscriptCommand) => {
    if (command.name === "config") {
      self = command.args.self ?? "10.0.1.1:6000";
      client = createDirectoryClient(
        {
          self,
          seeds: listArgument(command, "seeds", [
            "10.0.0.1:5000",
            "10.0.0.2:5000",
            "10.0.0.3:5000",
          ]),
          publicKey: KEY,
          requestTimeoutMs: numberArgument(command, "timeout", 5_000),
          neighbourUpdateDelayMs: numberArgument(command, "delay", 50),
          refreshIntervalMs: numberArgument(command, "refresh", 2_000),
          ...(command.args.boot === undefined ? {} : { bootId: command.args.boot }),
          ...(command.args.pages === undefined
            ? {}
            : { maxListPages: numberArgument(command, "pages") }),
          ...(command.args.retry === undefined
            ? {}
            : { registrationRetryMs: numberArgument(command, "retry") }),
        },
        { random: createSeededRandom(numberArgument(command, "seed", 1)) },
      );
      return [];
    }
    if (client === undefined) throw new Error("no config line before the first command");
    if (command.name === "state") {
      const view = client.inspect();
      return [
        `phase=${view.phase} incarnation=${view.incarnation} in-flight=${view.inFlight} watching=${view.isWatching} next=${client.nextDeadline() ?? "none"}`,
      ];
    }
    const now = numberArgument(command, "now");
    const from = command.args.from ?? "";
    const requestId = `${self}/${command.args.id ?? ""}`;
    const input = ((): DirectoryClientInput => {
      switch (command.name) {
        case "register":
        case "rejoin":
        case "leave":
        case "fetch-members":
        case "tick":
          return { type: command.name, now };
        case "neighbours":
          return { type: "neighbours", now, neighbours: listArgument(command, "list") };
        case "fetch-records":
          return { type: "fetch-records", now, addresses: listArgument(command, "addresses") };
        case "report":
          return {
            type: "report",
            now,
            suspect: command.args.suspect ?? "",
            incarnation: numberArgument(command, "incarnation", 0),
            evidence: { votes: [] },
          };
        case "watch":
          return { type: "watch", now, suspects: listArgument(command, "suspects") };
        case "unreachable":
          return { type: "unreachable", now, address: command.args.address ?? "" };
        case "register-response": {
          const isOk = command.args.ok !== "false";
          return {
            type: "receive",
            now,
            from,
            message: {
              type: "quorum.register-response",
              requestId,
              ok: isOk,
              record: isOk
                ? parseEntry(`${self}/alive/${command.args.incarnation ?? "0"}`).record
                : null,
              error: isOk ? null : { code: "NO_QUORUM", message: command.args.error ?? "refused" },
            },
          };
        }
        case "operation-response":
          return {
            type: "receive",
            now,
            from,
            message: {
              type: "quorum.operation-response",
              requestId,
              ok: command.args.ok !== "false",
              record: null,
              error: null,
            },
          };
        case "list-response":
          return {
            type: "receive",
            now,
            from,
            message: {
              type: "quorum.list-response",
              requestId,
              members: command.positional.map(parseEntry),
              next: command.args.next ?? null,
            },
          };
        default:
          throw new Error(`unknown command ${command.name}`);
      }
    })();
    return client.step(input).map((output) => formatOutput(self, output));
  });
}

describe("directory client transcripts (testdata/directory-client)", () => {
  testTranscripts(directory, replay);
});

describe("createDirectoryClient", () => {
  it("refuses time going backwards", () => {
    const client = createDirectoryClient(
      { self: "10.0.1.1:6000", seeds: ["10.0.0.1:5000"], publicKey: KEY },
      { random: createSeededRandom(1) },
    );
    client.step({ type: "tick", now: 10 });
    expect(() => client.step({ type: "tick", now: 9 })).toThrow(/time went backwards/);
  });

  it("rejects a configuration with a bad seed address", () => {
    expect(() =>
      createDirectoryClient(
        { self: "10.0.1.1:6000", seeds: ["10.0.0.1:99999"], publicKey: KEY },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(/directory client config: seeds\.0: /);
  });
});
