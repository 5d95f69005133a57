import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519 } from "@noble/curves/ed25519.js";
import { describe } from "vitest";
import { assertNever } from "./errors.js";
import {
  createLinkHandshake,
  type LinkHandshake,
  type LinkHandshakeOutput,
  type LinkRole,
  verifyIdentitySignature,
} from "./link-handshake.js";
import { noiseKeyPair } from "./noise.js";
import { replayTranscript, type TranscriptCommand } from "./testing/transcript.js";
import { testTranscripts } from "./testing/transcript-files.js";

const directory = join(dirname(fileURLToPath(import.meta.url)), "..", "testdata", "link-handshake");

/** Fixed bytes per label (deterministic transcripts; hosts draw real randomness). */
const fixed = (label: string, salt: number) =>
  Uint8Array.from(
    { length: 32 },
    (_, index) => (label.charCodeAt(0) * 13 + salt * 7 + index) % 256,
  );
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
/** A named identity key: `a`, `b`, `m`, … */
const identity = (name: string) => {
  const secret = fixed(name, 1);
  return {
    publicKey: hex(ed25519.getPublicKey(secret)),
    sign: (data: Uint8Array) => ed25519.sign(data, secret),
  };
};

type Side = "initiator" | "responder";

/**
 * Replays one transcript. Commands:
 *   initiator self=… role=… key=<name> dialled=… [expect=<name>] [sign=<name>]
 *   responder self=… role=… key=<name> [sign=<name>]      (`sign`: a borrowed identity)
 *   start <side> now=…              the side begins (the initiator writes message 1)
 *   deliver <side> now=…            the other side's oldest message in flight reaches <side>
 *   tamper byte=…                   flips one bit of the oldest message in flight
 *   replay <side> now=… message=… [session=current]
 *                                   delivers message 1, 2 or 3 of the previous session (or of
 *                                   this one) once more
 * Creating a machine after a session has run starts a new session (messages numbered from 1).
 *   tick <side> now=…
 */
function replay(text: string): string {
  const machines = new Map<Side, LinkHandshake>();
  const inFlight = new Map<Side, Uint8Array[]>([
    ["initiator", []],
    ["responder", []],
  ]);
  /** The messages of the current session (numbered from 1), and of the one before it. */
  let recorded: Uint8Array[] = [];
  let previous: Uint8Array[] = [];
  let isActive = false;
  const names = new Map<string, string>();
  let ephemeral = 0;
  /** Creating a machine after a session has run starts a new session. */
  const newSessionIfUsed = (): void => {
    if (!isActive) return;
    isActive = false;
    previous = recorded;
    recorded = [];
    machines.clear();
    for (const messages of inFlight.values()) messages.length = 0;
  };

  const describeOutputs = (side: Side, outputs: readonly LinkHandshakeOutput[]): string[] =>
    outputs.map((output) => {
      switch (output.type) {
        case "send": {
          recorded.push(output.message);
          inFlight.get(side === "initiator" ? "responder" : "initiator")?.push(output.message);
          return `${side}: send message ${recorded.length} (${output.message.length} bytes)`;
        }
        case "established":
          return `${side}: established with ${output.peer.address} role=${output.peer.role} key=${names.get(output.peer.identityKey) ?? "?"}`;
        case "failed":
          return `${side}: failed: ${output.reason}`;
        default:
          return assertNever(output, "link handshake output");
      }
    });

  const machine = (command: TranscriptCommand): [Side, LinkHandshake] => {
    const side = command.positional[0] as Side;
    const found = machines.get(side);
    if (found === undefined) throw new Error(`no ${side} yet`);
    return [side, found];
  };

  const create = (side: Side, args: Readonly<Record<string, string>>): string[] => {
    newSessionIfUsed();
    const name = args.key ?? "a";
    const own = identity(name);
    names.set(own.publicKey, name);
    const signer = args.sign === undefined ? own : identity(args.sign);
    const expected = args.expect === undefined ? undefined : identity(args.expect).publicKey;
    if (args.expect !== undefined && expected !== undefined) names.set(expected, args.expect);
    machines.set(
      side,
      createLinkHandshake(
        {
          isInitiator: side === "initiator",
          self: args.self ?? "",
          role: (args.role ?? "peer") as LinkRole,
          ...(args.dialled === undefined ? {} : { dialled: args.dialled }),
          ...(expected === undefined ? {} : { expectedIdentityKey: expected }),
        },
        {
          identity: { publicKey: own.publicKey, sign: signer.sign },
          verify: verifyIdentitySignature,
          staticKey: noiseKeyPair(fixed(name, 2)),
          ephemeralKey: noiseKeyPair(fixed(name, 100 + ++ephemeral)),
        },
      ),
    );
    return [];
  };

  return replayTranscript(text, (command) => {
    const now = Number(command.args.now ?? 0);
    if (command.name !== "initiator" && command.name !== "responder") isActive = true;
    switch (command.name) {
      case "initiator":
      case "responder":
        return create(command.name, command.args);
      case "start": {
        const [side, handshake] = machine(command);
        return describeOutputs(side, handshake.step({ type: "start", now }));
      }
      case "deliver": {
        const [side, handshake] = machine(command);
        const message = inFlight.get(side)?.shift();
        if (message === undefined) return [`${side}: nothing in flight`];
        return describeOutputs(side, handshake.step({ type: "receive", now, message }));
      }
      case "tamper": {
        const queue = [...inFlight.values()].find((messages) => messages.length > 0);
        const message = queue?.[0];
        if (message === undefined) return ["nothing in flight"];
        const at = Number(command.args.byte ?? 0);
        message[at] = (message[at] ?? 0) ^ 1;
        return [];
      }
      case "replay": {
        const [side, handshake] = machine(command);
        const source = command.args.session === "current" ? recorded : previous;
        const message = source[Number(command.args.message ?? 1) - 1];
        if (message === undefined) return ["no such message"];
        return describeOutputs(side, handshake.step({ type: "receive", now, message }));
      }
      case "tick": {
        const [side, handshake] = machine(command);
        return describeOutputs(side, handshake.step({ type: "tick", now }));
      }
      case "state":
        return [...machines].map(([side, handshake]) => {
          const view = handshake.inspect();
          return `${side}: ${view.phase}${view.peer === undefined ? "" : ` peer=${view.peer.address}`} deadline=${handshake.nextDeadline() ?? "none"}`;
        });
      default:
        throw new Error(`unknown command ${command.name}`);
    }
  });
}

describe("link handshake transcripts", () => {
  testTranscripts(directory, replay);
});
