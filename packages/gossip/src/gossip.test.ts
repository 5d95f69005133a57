import { createSeededRandom, P2pError } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createGossip, type GossipOutput } from "./gossip.js";
import { messageId } from "./message-id.js";
import { GossipMessageSchema } from "./messages.js";

const bytes = (text: string) => new TextEncoder().encode(text);
const sends = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) => (output.type === "send" ? [output] : []));
const events = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) => (output.type === "emit" ? [output.event] : []));

describe("createGossip", () => {
  it("validates config and reports the field path", () => {
    expect(() => createGossip({ self: "nope" }, { random: createSeededRandom(1) })).toThrow(/self/);
    expect(() =>
      createGossip(
        { self: "10.0.0.1:1", messageList: { maxEntries: 0 } },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(P2pError);
    const gossip = createGossip({ self: "10.0.0.1:1" }, { random: createSeededRandom(1) });
    expect(Object.isFrozen(gossip.config)).toBe(true);
    expect(gossip.config.generator).toEqual({ intervalMs: 5000, count: 10 });
  });

  it("generates <timestamp>:<ip>:<n> every interval once neighbours are connected, to all of them", () => {
    const gossip = createGossip({ self: "10.0.0.1:7000" }, { random: createSeededRandom(1) });
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
    const gossip = createGossip(
      { self: "10.0.0.1:1", generator: false },
      { random: createSeededRandom(1) },
    );
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1", "b:1", "c:1"] });
    const payload = bytes("hello");
    const message = {
      type: "gossip.message" as const,
      id: messageId("z:9", payload),
      origin: "z:9",
      payload,
      hops: 2,
    };
    const first = gossip.step({ type: "receive", now: 1, from: "b:1", message });
    expect(events(first)).toEqual([
      { type: "message-delivered", id: message.id, origin: "z:9", from: "b:1", payload, hops: 3 },
    ]);
    expect(sends(first).map((s) => [s.to, s.message.hops])).toEqual([
      ["a:1", 3],
      ["c:1", 3],
    ]);
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
    const gossip = createGossip(
      { self: "10.0.0.1:1", generator: false },
      { random: createSeededRandom(1) },
    );
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
    const [send] = sends(gossip.step({ type: "publish", now: 1, payload: bytes("x") }));
    expect(send?.message.origin).toBe("10.0.0.1:1");
    expect(gossip.step({ type: "receive", now: 2, from: "a:1", message: send!.message })).toEqual(
      [],
    );
    expect(gossip.inspect().counters.duplicates).toBe(1);
  });

  it("rejects a message whose id does not match origin and payload", () => {
    const gossip = createGossip(
      { self: "10.0.0.1:1", generator: false },
      { random: createSeededRandom(1) },
    );
    const payload = bytes("x");
    const message = {
      type: "gossip.message" as const,
      id: messageId("z:9", bytes("y")),
      origin: "z:9",
      payload,
      hops: 0,
    };
    expect(events(gossip.step({ type: "receive", now: 0, from: "z:9", message }))).toEqual([
      { type: "message-rejected", from: "z:9", reason: "id-mismatch" },
    ]);
  });

  it("throws on caller mistakes: time going back, oversized publish", () => {
    const gossip = createGossip(
      { self: "10.0.0.1:1", generator: false, maxPayloadBytes: 4 },
      { random: createSeededRandom(1) },
    );
    gossip.step({ type: "tick", now: 10 });
    expect(() => gossip.step({ type: "tick", now: 9 })).toThrow(/backwards/);
    expect(() => gossip.step({ type: "publish", now: 10, payload: bytes("12345") })).toThrow(
      /maxPayloadBytes/,
    );
  });

  it("random-fanout pushes to at most `fanout` distinct neighbours, never the sender", () => {
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
            { random: createSeededRandom(seed) },
          );
          const neighbours = Array.from({ length: 8 }, (_, i) => `n${i}:1`);
          gossip.step({ type: "neighbours", now: 0, neighbours });
          const payload = bytes(`p${seed}`);
          const message = {
            type: "gossip.message" as const,
            id: messageId("o:1", payload),
            origin: "o:1",
            payload,
            hops: 0,
          };
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
      { self: "10.0.0.1:1", generator: false, messageList: { maxEntries: 50, ttlMs: 1000 } },
      { random: createSeededRandom(1) },
    );
    for (let i = 0; i < 200; i++) {
      const payload = bytes(`m${i}`);
      const message = {
        type: "gossip.message" as const,
        id: messageId("o:1", payload),
        origin: "o:1",
        payload,
        hops: 0,
      };
      gossip.step({ type: "receive", now: i, from: "o:1", message });
      expect(gossip.inspect().messageListSize).toBeLessThanOrEqual(50);
    }
    const payload = bytes("late");
    const message = {
      type: "gossip.message" as const,
      id: messageId("o:1", payload),
      origin: "o:1",
      payload,
      hops: 0,
    };
    gossip.step({ type: "receive", now: 1000, from: "o:1", message });
    // After the TTL the same id is new again: the cost of a too-small list is a second delivery.
    const again = gossip.step({ type: "receive", now: 2500, from: "o:1", message });
    expect(events(again).map((e) => e.type)).toEqual(["message-delivered"]);
  });

  it("every wire message it sends passes its own schema", () => {
    const gossip = createGossip({ self: "10.0.0.1:1" }, { random: createSeededRandom(1) });
    gossip.step({ type: "neighbours", now: 0, neighbours: ["a:1"] });
    for (const send of sends(gossip.step({ type: "tick", now: 0 }))) {
      expect(GossipMessageSchema.safeParse(send.message).success).toBe(true);
    }
  });

  describe("catch-up for late joiners", () => {
    const incoming = (origin: string, text: string, hops = 0) => {
      const payload = bytes(text);
      return {
        type: "gossip.message" as const,
        id: messageId(origin, payload),
        origin,
        payload,
        hops,
      };
    };

    it("sends a newly added neighbour the recent messages oldest first, except to those known to have them", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false },
        { random: createSeededRandom(1) },
      );
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
      // a and b stay: nothing for them. d arrives having sent us a duplicate of fromB first.
      gossip.step({ type: "receive", now: 5, from: "d:1", message: fromB });
      const toD = sends(
        gossip.step({ type: "neighbours", now: 6, neighbours: ["a:1", "b:1", "c:1", "d:1"] }),
      );
      expect(toD.map((s) => s.message.id)).toEqual([own?.id, fromA.id]);
      // A neighbour that leaves and comes back is not sent the same messages again.
      gossip.step({ type: "neighbours", now: 7, neighbours: ["a:1"] });
      expect(
        sends(gossip.step({ type: "neighbours", now: 8, neighbours: ["a:1", "c:1"] })),
      ).toEqual([]);
      expect(gossip.inspect().counters.caughtUp).toBe(5);
      expect(gossip.inspect().recentMessages).toBe(3);
    });

    it("keeps at most maxMessages, none older than maxAgeMs (input time)", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false, catchUp: { maxMessages: 3, maxAgeMs: 100 } },
        { random: createSeededRandom(1) },
      );
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
        { random: createSeededRandom(1) },
      );
      gossip.step({ type: "receive", now: 0, from: "a:1", message: incoming("z:9", "x") });
      expect(sends(gossip.step({ type: "neighbours", now: 49, neighbours: ["c:1"] }))).toHaveLength(
        1,
      );
      expect(gossip.step({ type: "neighbours", now: 50, neighbours: ["c:1", "d:1"] })).toEqual([]);
    });

    it("can be turned off: a late neighbour gets nothing, nothing is buffered", () => {
      const gossip = createGossip(
        { self: "10.0.0.1:1", generator: false, catchUp: false },
        { random: createSeededRandom(1) },
      );
      gossip.step({ type: "receive", now: 0, from: "a:1", message: incoming("z:9", "x") });
      expect(gossip.step({ type: "neighbours", now: 1, neighbours: ["a:1", "c:1"] })).toEqual([]);
      expect(gossip.inspect().recentMessages).toBe(0);
    });

    it("property: catch-up and forwarding together send each message over each link at most once per direction", () => {
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
              { random: createSeededRandom(1) },
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
                  message: incoming("z:9", `t${action.text}`),
                });
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
