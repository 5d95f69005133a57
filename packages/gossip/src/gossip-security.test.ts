import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createIdentities, type Identities } from "../test/identities.js";
import type { GossipConfigInput } from "./config.js";
import { createGossip } from "./gossip.js";
import type { GossipOutput } from "./gossip-types.js";
import type { GossipMessage } from "./messages.js";

const SELF = "10.0.0.1:7000";
const A = "10.0.0.2:7000";
const B = "10.0.0.3:7000";
const C = "10.0.0.4:7000";
/** An origin that is registered but is none of this peer's neighbours. */
const X = "10.0.0.9:7000";

/** The full copies sent (flooding sends no control messages). */
const sends = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) =>
    output.type === "send" && output.message.type === "gossip.message"
      ? [{ type: output.type, to: output.to, message: output.message }]
      : [],
  );
const events = (outputs: readonly GossipOutput[]) =>
  outputs.flatMap((output) => (output.type === "emit" ? [output.event] : []));

/** A machine for SELF with real Ed25519 identities for everyone, connected to `neighbours`. */
function peer(
  identities: Identities,
  neighbours: readonly string[],
  config: Partial<GossipConfigInput> = {},
) {
  for (const address of [SELF, A, B, C, X]) identities.register(address);
  const gossip = createGossip(
    { self: SELF, generator: false, ...config },
    {
      random: createSeededRandom(1),
      sign: identities.signerFor(SELF),
      verifyOrigin: identities.verifyOrigin,
    },
  );
  gossip.step({ type: "neighbours", now: 0, neighbours });
  return gossip;
}

const receive = (
  gossip: ReturnType<typeof peer>,
  now: number,
  from: string,
  message: GossipMessage,
) => gossip.step({ type: "receive", now, from, message });

describe("gossip security: signed origins", () => {
  it("attack: a neighbour forges a message 'from' X that X never published — rejected, not delivered, not forwarded", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B]);
    // A signs with its own key a message claiming origin X.
    const forged = identities.message(X, "X says: remove 10.0.0.5", { signedBy: A });
    const outputs = receive(gossip, 1, A, forged);
    expect(events(outputs)).toEqual([
      { type: "message-rejected", from: A, reason: "bad-signature" },
    ]);
    expect(sends(outputs)).toEqual([]);
    expect(gossip.inspect().counters).toMatchObject({ delivered: 0, rejected: 1, forwarded: 0 });
  });

  it("rejects a message from an origin with no registered key, and a signature of the wrong shape", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B]);
    const stranger = "10.9.9.9:7000";
    const unknown = identities.message(stranger, "hello", { signedBy: A });
    const zeros = { ...identities.message(X, "zeros"), signature: "0".repeat(128) };
    const short = { ...identities.message(X, "short"), signature: "ab" };
    for (const message of [unknown, zeros, short]) {
      expect(events(receive(gossip, 1, A, message))).toEqual([
        { type: "message-rejected", from: A, reason: "bad-signature" },
      ]);
    }
    expect(gossip.inspect().counters.delivered).toBe(0);
  });

  it("a forged first copy does not block the genuine message (same id) arriving later", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B, C]);
    const genuine = identities.message(X, "the real one", { hops: 2 });
    const forged = {
      ...genuine,
      signature: identities.message(X, "the real one", { signedBy: A }).signature,
    };
    expect(forged.id).toBe(genuine.id);
    expect(events(receive(gossip, 1, A, forged)).map((e) => e.type)).toEqual(["message-rejected"]);
    const outputs = receive(gossip, 2, B, genuine);
    expect(events(outputs)).toEqual([
      {
        type: "message-delivered",
        id: genuine.id,
        origin: X,
        from: B,
        payload: genuine.payload,
        hops: 3,
      },
    ]);
    expect(sends(outputs).map((s) => s.to)).toEqual([A, C]);
  });

  it("verifies a signature once per message: duplicates cost no verification", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B, C]);
    const message = identities.message(X, "once");
    const before = identities.verifyCalls;
    receive(gossip, 1, A, message);
    receive(gossip, 2, B, { ...message, hops: 4 });
    receive(gossip, 3, C, message);
    expect(identities.verifyCalls - before).toBe(1);
    expect(gossip.inspect().counters).toMatchObject({ received: 3, delivered: 1, duplicates: 2 });
  });

  it("checks the id before the signature: an id mismatch costs no verification", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A]);
    const message = { ...identities.message(X, "one"), id: identities.message(X, "two").id };
    const before = identities.verifyCalls;
    expect(events(receive(gossip, 1, A, message))).toEqual([
      { type: "message-rejected", from: A, reason: "id-mismatch" },
    ]);
    expect(identities.verifyCalls - before).toBe(0);
  });

  it("hops are not signed (advisory): a relayed copy with any hop count is accepted", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A]);
    const outputs = receive(gossip, 1, A, identities.message(X, "relayed", { hops: 7 }));
    expect(events(outputs).map((e) => e.type)).toEqual(["message-delivered"]);
  });

  it("signs what it publishes: the origin's registered key verifies the signature", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A]);
    const [send] = sends(gossip.step({ type: "publish", now: 1, payload: new Uint8Array([1, 2]) }));
    expect(send?.message).toEqual(identities.message(SELF, new Uint8Array([1, 2])));
    // A neighbour running the same code accepts it.
    const neighbour = createGossip(
      { self: A, generator: false },
      {
        random: createSeededRandom(2),
        sign: identities.signerFor(A),
        verifyOrigin: identities.verifyOrigin,
      },
    );
    neighbour.step({ type: "neighbours", now: 0, neighbours: [SELF] });
    const outputs = neighbour.step({ type: "receive", now: 2, from: SELF, message: send!.message });
    expect(events(outputs).map((e) => e.type)).toEqual(["message-delivered"]);
  });
});

describe("gossip security: only from neighbours", () => {
  it("a message from a peer that is not a neighbour is not delivered, forwarded or marked seen; it waits, then is rejected", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B]);
    const message = identities.message(X, "hello");
    const outputs = receive(gossip, 1, C, message);
    expect(events(outputs)).toEqual([]);
    expect(sends(outputs)).toEqual([]);
    expect(gossip.inspect().pendingMessages).toBe(1);
    // The same message from a neighbour is still new.
    expect(events(receive(gossip, 2, A, message)).map((e) => e.type)).toEqual([
      "message-delivered",
    ]);
    // Its time is up: rejected as from a non-neighbour.
    const deadline = gossip.nextDeadline() as number;
    expect(deadline).toBe(1 + gossip.config.pending.ttlMs);
    expect(events(gossip.step({ type: "tick", now: deadline }))).toEqual([
      { type: "message-rejected", from: C, reason: "not-neighbour" },
    ]);
    expect(gossip.inspect().pendingMessages).toBe(0);
  });

  it("a message sent by a new neighbour before this side accepted it is delivered once it is a neighbour", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B]);
    expect(events(receive(gossip, 1, C, identities.message(C, "first")))).toEqual([]);
    const accepted = gossip.step({ type: "neighbours", now: 3, neighbours: [A, B, C] });
    expect(events(accepted).map((e) => e.type)).toEqual(["message-delivered"]);
    expect(sends(accepted).map((send) => send.to)).toEqual([A, B]);
    expect(
      events(receive(gossip, 4, C, identities.message(X, "later"))).map((e) => e.type),
    ).toEqual(["message-delivered"]);
  });

  it("a message whose origin's key is not known yet waits for a fresh directory (one origin-unknown per origin)", () => {
    const { identities, known, gossip } = knowingPeer([A, B, X]);
    const first = receive(gossip, 1, A, identities.message(C, "new member"));
    expect(events(first)).toEqual([{ type: "origin-unknown", origin: C }]);
    expect(events(receive(gossip, 2, B, identities.message(C, "second")))).toEqual([]);
    known.add(C);
    const judged = gossip.step({ type: "origins-changed", now: 3 });
    expect(events(judged).map((e) => e.type)).toEqual(["message-delivered", "message-delivered"]);
    // A fresh directory that still lacks an origin asks for no further fetch (no fetch loop).
    receive(gossip, 4, A, identities.message("10.0.0.66:7000", "phantom"));
    for (let now = 5; now < 8; now++) {
      expect(events(gossip.step({ type: "origins-changed", now }))).toEqual([]);
    }
    // An origin that stays unknown is rejected when the wait is over.
    expect(
      events(gossip.step({ type: "tick", now: 4 + gossip.config.pending.ttlMs })).filter(
        (e) => e.type === "message-rejected",
      ),
    ).toEqual([{ type: "message-rejected", from: A, reason: "unknown-origin" }]);
  });
});

/** A peer with neighbours A and B that knows the keys of `known` origins only (the host's directory). */
function knowingPeer(knownOrigins: readonly string[]) {
  const identities = createIdentities();
  for (const address of [SELF, A, B, C, X]) identities.register(address);
  const known = new Set(knownOrigins);
  const gossip = createGossip(
    { self: SELF, generator: false },
    {
      random: createSeededRandom(1),
      sign: identities.signerFor(SELF),
      verifyOrigin: identities.verifyOrigin,
      knowsOrigin: (origin) => known.has(origin),
    },
  );
  gossip.step({ type: "neighbours", now: 0, neighbours: [A, B] });
  return { identities, known, gossip };
}

describe("gossip: an unknown origin first met in a held message", () => {
  it("a message held from a non-neighbour whose origin is unknown asks for that origin once the sender is a neighbour", () => {
    const { identities, known, gossip } = knowingPeer([A, B, C]);
    // C's catch-up batch comes before this side counts C as a neighbour: held, not judged.
    expect(events(receive(gossip, 1, C, identities.message(X, "early")))).toEqual([]);
    // Once C is a neighbour the message is judged: its origin is unknown, so it is asked for.
    const accepted = gossip.step({ type: "neighbours", now: 2, neighbours: [A, B, C] });
    expect(events(accepted)).toEqual([{ type: "origin-unknown", origin: X }]);
    // Later messages of X wait on that one question, and all are delivered when X is known.
    expect(events(receive(gossip, 3, A, identities.message(X, "later")))).toEqual([]);
    known.add(X);
    const judged = gossip.step({ type: "origins-changed", now: 4 });
    expect(events(judged).map((e) => e.type)).toEqual(["message-delivered", "message-delivered"]);
  });
});

describe("gossip security: per-origin limit on the message list", () => {
  it("attack: one origin sends 10,000 messages, then an old message is re-sent — not delivered again", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B]);
    const old = identities.message(X, "old news");
    expect(events(receive(gossip, 1, B, old)).map((e) => e.type)).toEqual(["message-delivered"]);
    // A, a registered insider, signs 10,000 distinct messages of its own, well within the TTL.
    for (let i = 0; i < 10_000; i++)
      receive(gossip, 2 + Math.floor(i / 100), A, identities.message(A, `flood ${i}`));
    const view = gossip.inspect();
    // The old id is still remembered: the re-sent copy is a duplicate.
    const again = receive(gossip, 200, A, { ...old, hops: 3 });
    expect(events(again)).toEqual([]);
    expect(sends(again)).toEqual([]);
    expect(gossip.inspect().counters.delivered).toBe(1 + 1_000);
    expect(view.messageListSize).toBe(1 + 1_000);
    expect(gossip.inspect().rejections["origin-over-limit"]).toBe(9_000);
  }, 120_000);

  it("rejects an origin over its limit instead of evicting others' ids, without verifying the signature", () => {
    const identities = createIdentities();
    const gossip = peer(identities, [A, B], {
      messageList: { maxEntries: 10, maxPerOrigin: 3, ttlMs: 1000 },
    });
    for (let i = 0; i < 3; i++)
      expect(
        events(receive(gossip, 10, A, identities.message(A, `a${i}`))).map((e) => e.type),
      ).toEqual(["message-delivered"]);
    const before = identities.verifyCalls;
    expect(events(receive(gossip, 11, A, identities.message(A, "a3")))).toEqual([
      { type: "message-rejected", from: A, reason: "origin-over-limit" },
    ]);
    expect(identities.verifyCalls).toBe(before);
    // Another origin is unaffected.
    expect(events(receive(gossip, 12, A, identities.message(X, "x0"))).map((e) => e.type)).toEqual([
      "message-delivered",
    ]);
    // Once A's ids expire (TTL 1000 ms from 10), A is heard again: only held, unexpired ids count.
    expect(
      events(receive(gossip, 1010, A, identities.message(A, "a4"))).map((e) => e.type),
    ).toEqual(["message-delivered"]);
    expect(gossip.inspect().counters.rejected).toBe(1);
  });

  it("the remaining bound: it takes more than maxEntries / maxPerOrigin colluding origins to flush the list", () => {
    const identities = createIdentities();
    const origins = Array.from({ length: 5 }, (_, i) => `10.0.1.${i + 1}:7000`);
    for (const origin of origins) identities.register(origin);
    const gossip = peer(identities, [A], {
      messageList: { maxEntries: 12, maxPerOrigin: 3, ttlMs: 60_000 },
    });
    const old = identities.message(X, "old");
    receive(gossip, 1, A, old);
    // 3 origins × 3 ids + the old one = 10 ≤ 12: the old id survives.
    for (const origin of origins.slice(0, 3))
      for (let i = 0; i < 5; i++) receive(gossip, 2, A, identities.message(origin, `${i}`));
    expect(events(receive(gossip, 3, A, old))).toEqual([]);
    // Two more origins (5 × 3 = 15 > 12 - 1) push it out: the bound is on distinct identities.
    for (const origin of origins.slice(3))
      for (let i = 0; i < 3; i++) receive(gossip, 4, A, identities.message(origin, `${i}`));
    expect(events(receive(gossip, 5, A, old)).map((e) => e.type)).toEqual(["message-delivered"]);
  });
});
