import { join } from "node:path";
import { createSeededRandom } from "@p2p/wire";
import { testTranscripts } from "@p2p/wire/testing";
import { numberArgument, replayTranscript, type TranscriptCommand } from "@p2p/wire/transcript";
import { describe, expect, it } from "vitest";
import { createIdentities } from "../test/identities.js";
import { createGossip } from "./gossip.js";
import type { Gossip, GossipOutput } from "./gossip-types.js";
import { messageId } from "./message-id.js";
import type { GossipWireMessage } from "./messages.js";

const directory = join(import.meta.dirname, "../testdata/plumtree");

/** Short names of the addresses in the transcripts. */
const ADDRESSES: Readonly<Record<string, string>> = {
  SELF: "10.0.0.1:7000",
  A: "10.0.0.2:7000",
  B: "10.0.0.3:7000",
  C: "10.0.0.4:7000",
  D: "10.0.0.5:7000",
  X: "10.0.0.9:7000",
};
const NAMES = new Map(Object.entries(ADDRESSES).map(([name, address]) => [address, name]));
const addressOf = (name: string) => ADDRESSES[name] ?? name;
const nameOf = (address: string) => NAMES.get(address) ?? address;

/**
 * Replays a Plumtree transcript. Messages are named `<origin>/<text>` (`X/hello`: the message
 * X publishes with payload "hello", signed by X); outputs name addresses and message ids back.
 */
function replay(text: string): string {
  const identities = createIdentities({ memoize: true });
  for (const address of Object.values(ADDRESSES)) identities.register(address);
  const idNames = new Map<string, string>();
  const idOf = (name: string) => {
    const [origin = "", payload = ""] = name.split("/");
    const id = messageId(addressOf(origin), new TextEncoder().encode(payload));
    idNames.set(id, name);
    return id;
  };
  const idName = (id: string) => idNames.get(id) ?? id;
  const formatMessage = (message: GossipWireMessage): string => {
    switch (message.type) {
      case "gossip.message":
        return `${message.type} ${idName(message.id)} hops=${message.hops}`;
      case "gossip.ihave":
        return `${message.type} ${message.ids.map(idName).join(",")}`;
      case "gossip.graft":
        return `${message.type} ${idName(message.id)}`;
      case "gossip.prune":
        return message.type;
    }
  };
  const format = (output: GossipOutput): string => {
    if (output.type === "send") return `send ${nameOf(output.to)} ${formatMessage(output.message)}`;
    const { event } = output;
    switch (event.type) {
      case "message-delivered":
        return `emit ${event.type} ${idName(event.id)} from=${nameOf(event.from)} hops=${event.hops}`;
      case "message-published":
        return `emit ${event.type} ${idName(event.id)}`;
      case "message-rejected":
        return `emit ${event.type} from=${nameOf(event.from)} reason=${event.reason}`;
      case "origin-unknown":
        return `emit ${event.type} ${nameOf(event.origin)}`;
    }
  };

  let gossip: Gossip | undefined;
  return replayTranscript(text, (command: TranscriptCommand) => {
    const number = (key: string, fallback: number) => numberArgument(command, key, fallback);
    if (command.name === "config") {
      gossip = createGossip(
        {
          self: ADDRESSES.SELF as string,
          generator: false,
          // catch-up=N: a new neighbour is sent the last N messages (default off).
          catchUp: number("catch-up", 0) > 0 ? { maxMessages: number("catch-up", 0) } : false,
          forwarding: {
            type: "plumtree",
            missingTimeoutMs: number("missing", 300),
            graftTimeoutMs: number("graft", 150),
            maxGraftAttempts: number("attempts", 8),
            announceDelayMs: number("delay", 0),
            maxIhaveIds: number("max-ihave", 256),
            reannounceIntervalMs: number("interval", 1_000),
            reannounceRounds: number("rounds", 0),
            cache: { maxMessages: number("cache", 1_024) },
            maxMissing: number("max-missing", 1_024),
            maxMissingPerNeighbour: number("per-neighbour", number("max-missing", 1_024)),
            maxAnnouncers: number("announcers", 4),
            pruneAfterDuplicates: number("prune-after", 3),
          },
        },
        {
          random: createSeededRandom(1),
          sign: identities.signerFor(ADDRESSES.SELF as string),
          verifyOrigin: identities.verifyOrigin,
        },
      );
      return [];
    }
    if (gossip === undefined) throw new Error("no config line before the first command");
    if (command.name === "state") {
      const view = gossip.inspect();
      const plumtree = view.plumtree;
      if (plumtree === undefined) throw new Error("not in the plumtree mode");
      const c = view.counters;
      return [
        `eager=${plumtree.eager.map(nameOf).join(",")} lazy=${plumtree.lazy.map(nameOf).join(",")} ` +
          `missing=${plumtree.missing} cached=${plumtree.cached} queued=${plumtree.queuedIds} next=${gossip.nextDeadline() ?? "none"}`,
        `sent=${c.sent} ihave=${c.ihaveSent}/${c.ihaveIdsSent} grafts=${c.graftsSent} prunes=${c.prunesSent} ` +
          `served=${c.graftsServed} control=${c.controlReceived} dropped=${c.controlDropped} delivered=${c.delivered} duplicates=${c.duplicates}`,
      ];
    }
    const now = numberArgument(command, "now");
    const from = addressOf(command.args.from ?? "");
    const message = command.args.msg ?? "";
    const step = (input: Parameters<Gossip["step"]>[0]) => gossip?.step(input).map(format) ?? [];
    switch (command.name) {
      case "neighbours":
        return step({ type: "neighbours", now, neighbours: command.positional.map(addressOf) });
      case "publish": {
        idOf(`SELF/${message}`);
        return step({ type: "publish", now, payload: new TextEncoder().encode(message) });
      }
      case "message": {
        const [origin = "", payload = ""] = message.split("/");
        idOf(message);
        const signed = identities.message(addressOf(origin), payload, {
          hops: number("hops", 0),
        });
        return step({ type: "receive", now, from, message: signed });
      }
      case "ihave":
        return step({
          type: "receive",
          now,
          from,
          message: { type: "gossip.ihave", ids: command.positional.map(idOf) },
        });
      case "graft":
        return step({
          type: "receive",
          now,
          from,
          message: { type: "gossip.graft", id: idOf(message) },
        });
      case "prune":
        return step({ type: "receive", now, from, message: { type: "gossip.prune" } });
      case "tick":
        return step({ type: "tick", now });
      default:
        throw new Error(`unknown command ${command.name}`);
    }
  });
}

describe("plumtree transcripts (testdata/plumtree)", () => {
  testTranscripts(directory, replay);
});

describe("plumtree config", () => {
  it("refuses a custom policy with plumtree, and bounds beyond the wire limit", () => {
    const identities = createIdentities();
    const deps = {
      random: createSeededRandom(1),
      sign: identities.signerFor("10.0.0.1:7000"),
      verifyOrigin: identities.verifyOrigin,
    };
    expect(() =>
      createGossip(
        { self: "10.0.0.1:7000", forwarding: { type: "plumtree" } },
        { ...deps, policy: { name: "custom", select: (context) => context.candidates } },
      ),
    ).toThrow(/plumtree cannot be combined with a custom forwarding policy/);
    expect(() =>
      createGossip(
        { self: "10.0.0.1:7000", forwarding: { type: "plumtree", maxIhaveIds: 257 } },
        deps,
      ),
    ).toThrow(/forwarding\.maxIhaveIds/);
    expect(() =>
      createGossip(
        {
          self: "10.0.0.1:7000",
          forwarding: { type: "plumtree", maxMissing: 10, maxMissingPerNeighbour: 11 },
        },
        deps,
      ),
    ).toThrow(/maxMissingPerNeighbour.*must be at most maxMissing/);
    const gossip = createGossip({ self: "10.0.0.1:7000", forwarding: { type: "plumtree" } }, deps);
    expect(gossip.inspect().policy).toBe("plumtree");
    expect(createGossip({ self: "10.0.0.1:7000" }, deps).inspect().plumtree).toBeUndefined();
  });
});
