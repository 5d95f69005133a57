import { createSeededRandom, P2pError } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createIdentities } from "../test/identities.js";
import { createGossip } from "./gossip.js";
import type { GossipOutput } from "./gossip-types.js";
import { type GossipMessage, GossipMessageSchema } from "./messages.js";

/** Real Ed25519 identities for every address the tests use (deterministic keys). */
const identities = createIdentities({ memoize: true });
/** The dependencies of the machine whose `self` is `self`. */
const deps = (self: string, seed = 1) => ({
  random: createSeededRandom(seed),
  sign: identities.signerFor(self),
  verifyOrigin: identities.verifyOrigin,
});
/** A message as `origin` publishes it (signed by its key), `hops` links from it. */
const signed = (origin: string, payload: Uint8Array | string, hops = 0) => {
  identities.register(origin);
  return identities.message(origin, payload, { hops });
};

const bytes = (text: string) => new TextEncoder().encode(text);
/** The full copies sent (flooding sends no control messages). */
const sends = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) =>
    output.type === "send" && output.message.type === "gossip.message"
      ? [{ type: output.type, to: output.to, message: output.message }]
      : [],
  );
const events = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) => (output.type === "emit" ? [output.event] : []));

describe("createGossip", () => {
  it("validates config and reports the field path", () => {
    expect(() => createGossip({ self: "nope" }, deps("10.0.0.1:1"))).toThrow(/self/);
    expect(() =>
      createGossip({ self: "10.0.0.1:1", messageList: { maxEntries: 0 } }, deps("10.0.0.1:1")),
    ).toThrow(P2pError);
    expect(() =>
      createGossip(
        { self: "10.0.0.1:1", messageList: { maxEntries: 100, maxPerOrigin: 101 } },
        deps("10.0.0.1:1"),
      ),
    ).toThrow(/messageList\.maxPerOrigin.*must be at most messageList\.maxEntries/);
    const gossip = createGossip({ self: "10.0.0.1:1" }, deps("10.0.0.1:1"));
    expect(Object.isFrozen(gossip.config)).toBe(true);
    expect(gossip.config.generator).toEqual({ intervalMs: 5000, count: 10 });
    expect(gossip.config.messageList).toEqual({
      maxEntries: 10_000,
      ttlMs: 600_000,
      maxPerOrigin: 1_000,
    });
    // maxPerOrigin follows maxEntries when not given: a tenth of it, at least 1.
    expect(
      createGossip({ self: "10.0.0.1:1", messageList: { maxEntries: 200 } }, deps("10.0.0.1:1"))
        .config.messageList.maxPerOrigin,
    ).toBe(20);
    expect(
      createGossip({ self: "10.0.0.1:1", messageList: { maxEntries: 5 } }, deps("10.0.0.1:1"))
        .config.messageList.maxPerOrigin,
    ).toBe(1);
  });

  it("generates <timestamp>:<ip>:<n> every interval once neighbours are connected, to all of them", () => {
    const gossip = createGossip({ self: "10.0.0.1:7000" }, deps("10.0.0.1:7000"));
    expect(gossip.nextDeadline()).toBeUndefined();
    gossip.step({ type: "neighbours", now: 100, neighbours: ["10.0.0.3:1", "10.0.0.2:1"] });
    const texts: string[] = [];
    let now = 100;
    while (gossip.nextDeadline() !== undefined) {
      now = gossip.nextDeadline() ?? now;
      const outputs = gossip.step({ type: "tick", now, wallTimeMs: 1_700_000_000_000 + now });
      const sent = sends(outputs);
      expect(sent.map((s) => s.to)).toEqual(["10.0.0.2:1", "10.0.0.3:1"]);
      texts.push(new TextDecoder().decode(sent[0]?.message.payload));
    }
    expect(texts).toHaveLength(10);
    expect(texts[0]).toBe(`${1_700_000_000_100}:10.0.0.1:1`);
    expect(texts[9]).toBe(`${1_700_000_000_100 + 9 * 5000}:10.0.0.1:10`);
    expect(gossip.inspect().generator.made).toBe(10);
  });

  it("delivers a first copy once, forwards it to every neighbour except the sender, drops repeats", () => {
    const gossip = createGossip({ self: "10.0.0.1:1", generator: false }, deps("10.0.0.1:1"));
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1", "b:1", "c:1"] });
    const payload = bytes("hello");
    const message = signed("z:9", payload, 2);
    const first = gossip.step({ type: "receive", now: 1, from: "b:1", message });
    expect(events(first)).toEqual([
      { type: "message-delivered", id: message.id, origin: "z:9", from: "b:1", payload, hops: 3 },
    ]);
    expect(sends(first).map((s) => [s.to, s.message.hops])).toEqual([
      ["a:1", 3],
      ["c:1", 3],
    ]);
    // The copies go out before the delivery: the host's handling of the event (log lines, the
    // application) never holds up the next hop.
    expect(first.map((output) => output.type)).toEqual(["send", "send", "emit"]);
    expect(
      gossip.step({ type: "receive", now: 2, from: "a:1", message: { ...message, hops: 3 } }),
    ).toEqual([]);
    const view = gossip.inspect();
    expect(view.counters).toMatchObject({
      received: 2,
      delivered: 1,
      duplicates: 1,
      forwarded: 2,
      sent: 2,
    });
    expect(view.amplification).toBe(2);
  });

  it("marks its own messages seen before sending, so echoes are duplicates", () => {
    const gossip = createGossip({ self: "10.0.0.1:1", generator: false }, deps("10.0.0.1:1"));
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
    const [send] = sends(gossip.step({ type: "publish", now: 1, payload: bytes("x") }));
    expect(send?.message.origin).toBe("10.0.0.1:1");
    expect(gossip.step({ type: "receive", now: 2, from: "a:1", message: send!.message })).toEqual(
      [],
    );
    expect(gossip.inspect().counters.duplicates).toBe(1);
  });

  it("rejects a message whose id does not match origin and payload", () => {
    const gossip = createGossip({ self: "10.0.0.1:1", generator: false }, deps("10.0.0.1:1"));
    gossip.step({ type: "neighbours", now: 0, neighbours: ["z:9"] });
    const message = { ...signed("z:9", "x"), id: signed("z:9", "y").id };
    expect(events(gossip.step({ type: "receive", now: 0, from: "z:9", message }))).toEqual([
      { type: "message-rejected", from: "z:9", reason: "id-mismatch" },
    ]);
  });

  it("throws on caller mistakes: time going back, oversized publish", () => {
    const gossip = createGossip(
      { self: "10.0.0.1:1", generator: false, maxPayloadBytes: 4 },
      deps("10.0.0.1:1"),
    );
    gossip.step({ type: "tick", now: 10 });
    expect(() => gossip.step({ type: "tick", now: 9 })).toThrow(/backwards/);
    expect(() => gossip.step({ type: "publish", now: 10, payload: bytes("12345") })).toThrow(
      /maxPayloadBytes/,
    );
  });

  it("random-fanout pushes to at most `fanout` distinct neighbours, never the sender", () => {
    const fanoutMessage = signed("o:1", "fanout");
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 2 ** 31 }),
        fc.integer({ min: 1, max: 5 }),
        (seed, fanout) => {
          const gossip = createGossip(
            {
              self: "10.0.0.1:1",
              generator: false,
              messageList: { maxEntries: 16 },
              forwarding: { type: "random-fanout", fanout },
            },
            deps("10.0.0.1:1", seed),
          );
          const neighbours = Array.from({ length: 8 }, (_, i) => `n${i}:1`);
          gossip.step({ type: "neighbours", now: 0, neighbours });
          // One signed message reused: each run is a fresh machine, only the seed varies.
          const message = fanoutMessage;
          const targets = sends(
            gossip.step({ type: "receive", now: 1, from: "n0:1", message }),
          ).map((s) => s.to);
          expect(targets.length).toBe(fanout);
          expect(new Set(targets).size).toBe(fanout);
          expect(targets).not.toContain("n0:1");
        },
      ),
    );
  });

  it("keeps the message list within its cap and forgets ids after their TTL", () => {
    const gossip = createGossip(
      {
        self: "10.0.0.1:1",
        generator: false,
        messageList: { maxEntries: 50, ttlMs: 1000, maxPerOrigin: 25 },
      },
      deps("10.0.0.1:1"),
    );
    gossip.step({ type: "neighbours", now: 0, neighbours: ["o:1"] });
    // Ten origins, 20 messages each: the list (50) evicts its oldest ids; no origin reaches maxPerOrigin.
    for (let i = 0; i < 200; i++) {
      const message = signed(`o${i % 10}:1`, `m${i}`);
      gossip.step({ type: "receive", now: i, from: "o:1", message });
      expect(gossip.inspect().messageListSize).toBeLessThanOrEqual(50);
    }
    expect(gossip.inspect().counters.delivered).toBe(200);
    const message = signed("o:1", "late");
    gossip.step({ type: "receive", now: 1000, from: "o:1", message });
    // After the TTL the same id is new again: the cost of a too-small list is a second delivery.
    const again = gossip.step({ type: "receive", now: 2500, from: "o:1", message });
    expect(events(again).map((e) => e.type)).toEqual(["message-delivered"]);
  });

  it("every wire message it sends passes its own schema", () => {
    const gossip = createGossip({ self: "10.0.0.1:1" }, deps("10.0.0.1:1"));
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
    for (const send of sends(gossip.step({ type: "tick", now: 0 }))) {
      expect(GossipMessageSchema.safeParse(send.message).success).toBe(true);
    }
  });

  describe("catch-up for late joiners", () => {
    const incoming = (origin: string, text: string, hops = 0) => signed(origin, text, hops);

    it("sends a newly added neighbour the recent messages oldest first, except to those known to have them", () => {
      const gossip = createGossip({ self: "10.0.0.1:1", generator: false }, deps("10.0.0.1:1"));
      gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1", "b:1"] });
      const own = sends(gossip.step({ type: "publish", now: 1, payload: bytes("own") }))[0]
        ?.message;
      const fromA = incoming("z:9", "from a", 2);
      gossip.step({ type: "receive", now: 2, from: "a:1", message: fromA });
      const fromB = incoming("y:9", "from b");
      gossip.step({ type: "receive", now: 3, from: "b:1", message: fromB });
      // c joins: it gets all three, oldest first, with hops as this peer sends them on.
      const toC = sends(
        gossip.step({ type: "neighbours", now: 4, neighbours: ["a:1", "b:1", "c:1"] }),
      );
      expect(toC.map((s) => [s.to, s.message.id, s.message.hops])).toEqual([
        ["c:1", own?.id, 0],
        ["c:1", fromA.id, 3],
        ["c:1", fromB.id, 1],
      ]);
      // a and b stay: nothing for them. A copy of fromB that d sent before it was a neighbour
      // only waited (not-neighbour), so it does not count as d having it: d gets all three.
      gossip.step({ type: "receive", now: 5, from: "d:1", message: fromB });
      const toD = sends(
        gossip.step({ type: "neighbours", now: 6, neighbours: ["a:1", "b:1", "c:1", "d:1"] }),
      );
      expect(toD.map((s) => s.message.id)).toEqual([own?.id, fromA.id, fromB.id]);
      // A neighbour that leaves and comes back is not sent the same messages again.
      gossip.step({ type: "neighbours", now: 7, neighbours: ["a:1"] });
      expect(
        sends(gossip.step({ type: "neighbours", now: 8, neighbours: ["a:1", "c:1"] })),
      ).toEqual([]);
      expect(gossip.inspect().counters.caughtUp).toBe(6);
      expect(gossip.inspect().recentMessages).toBe(3);
    });

    it("a neighbour that sent a duplicate is known to have the message (random fanout skipped it)", () => {
      const gossip = createGossip(
        {
          self: "10.0.0.1:1",
          generator: false,
          forwarding: { type: "random-fanout", fanout: 1 },
        },
        deps("10.0.0.1:1"),
      );
      gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1", "b:1", "c:1"] });
      const message = incoming("z:9", "fanout one");
      const [target] = sends(gossip.step({ type: "receive", now: 1, from: "a:1", message }));
      const skipped = ["b:1", "c:1"].find((n) => n !== target?.to) as string;
      // The skipped neighbour got it elsewhere and sends us a duplicate: now it is known to have it.
      expect(gossip.step({ type: "receive", now: 2, from: skipped, message })).toEqual([]);
      gossip.step({ type: "neighbours", now: 3, neighbours: ["a:1"] });
      expect(
        sends(gossip.step({ type: "neighbours", now: 4, neighbours: ["a:1", "b:1", "c:1"] })),
      ).toEqual([]);
    });

    it("keeps at most maxMessages, none older than maxAgeMs (input time)", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false, catchUp: { maxMessages: 3, maxAgeMs: 100 } },
        deps("10.0.0.1:1"),
      );
      gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
      for (let i = 0; i < 5; i++)
        gossip.step({
          type: "receive",
          now: i * 10,
          from: "a:1",
          message: incoming("z:9", `m${i}`),
        });
      expect(gossip.inspect().recentMessages).toBe(3);
      const late = sends(gossip.step({ type: "neighbours", now: 50, neighbours: ["c:1"] }));
      expect(late.map((s) => new TextDecoder().decode(s.message.payload))).toEqual([
        "m2",
        "m3",
        "m4",
      ]);
      // m2 arrived at 20: at 120 it is 100 ms old and gone; m3, m4 remain for the next joiner.
      const later = sends(
        gossip.step({ type: "neighbours", now: 120, neighbours: ["c:1", "d:1"] }),
      );
      expect(later.map((s) => new TextDecoder().decode(s.message.payload))).toEqual(["m3", "m4"]);
      gossip.step({ type: "tick", now: 1000 });
      expect(gossip.inspect().recentMessages).toBe(0);
    });

    it("never keeps a message longer than the message list's TTL", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false, messageList: { ttlMs: 50 } },
        deps("10.0.0.1:1"),
      );
      gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
      gossip.step({ type: "receive", now: 0, from: "a:1", message: incoming("z:9", "x") });
      expect(sends(gossip.step({ type: "neighbours", now: 49, neighbours: ["c:1"] }))).toHaveLength(
        1,
      );
      expect(gossip.step({ type: "neighbours", now: 50, neighbours: ["c:1", "d:1"] })).toEqual([]);
    });

    it("can be turned off: a late neighbour gets nothing, nothing is buffered", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false, catchUp: false },
        deps("10.0.0.1:1"),
      );
      gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
      gossip.step({ type: "receive", now: 0, from: "a:1", message: incoming("z:9", "x") });
      expect(gossip.step({ type: "neighbours", now: 1, neighbours: ["a:1", "c:1"] })).toEqual([]);
      expect(gossip.inspect().recentMessages).toBe(0);
    });

    it("property: catch-up and forwarding together send each message over each link at most once per direction", () => {
      const texts = Array.from({ length: 6 }, (_, text) => incoming("z:9", `t${text}`));
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.record({
                kind: fc.constant("receive" as const),
                from: fc.integer({ min: 0, max: 4 }),
                text: fc.integer({ min: 0, max: 5 }),
              }),
              fc.record({
                kind: fc.constant("neighbours" as const),
                mask: fc.integer({ min: 0, max: 31 }),
              }),
              fc.record({
                kind: fc.constant("publish" as const),
                text: fc.integer({ min: 0, max: 1000 }),
              }),
            ),
            { maxLength: 60 },
          ),
          (actions) => {
            const gossip = createGossip(
              { self: "10.0.0.1:1", generator: false },
              deps("10.0.0.1:1"),
            );
            const sent = new Set<string>();
            let now = 0;
            const published = new Set<number>();
            for (const action of actions) {
              now++;
              let outputs: readonly GossipOutput[] = [];
              if (action.kind === "receive") {
                outputs = gossip.step({
                  type: "receive",
                  now,
                  from: `n${action.from}:1`,
                  message: texts[action.text] as GossipMessage,
                });
                // Only a current neighbour is heard (another's message waits, undelivered).
                if (!gossip.inspect().neighbours.includes(`n${action.from}:1`)) {
                  expect(events(outputs)).toEqual([]);
                  expect(sends(outputs)).toEqual([]);
                }
              } else if (action.kind === "neighbours") {
                const neighbours = [0, 1, 2, 3, 4]
                  .filter((i) => action.mask & (1 << i))
                  .map((i) => `n${i}:1`);
                outputs = gossip.step({ type: "neighbours", now, neighbours });
              } else {
                if (published.has(action.text)) continue;
                published.add(action.text);
                outputs = gossip.step({ type: "publish", now, payload: bytes(`p${action.text}`) });
              }
              for (const send of sends(outputs)) {
                const key = `${send.message.id}>${send.to}`;
                expect(sent.has(key)).toBe(false);
                sent.add(key);
              }
            }
          },
        ),
      );
    });
  });
});
