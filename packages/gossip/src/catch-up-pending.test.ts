import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createIdentities } from "../test/identities.js";
import { createGossip } from "./gossip.js";

const identities = createIdentities({ memoize: true });
const deps = (self: string) => ({
  random: createSeededRandom(1),
  sign: identities.signerFor(self),
  verifyOrigin: identities.verifyOrigin,
});

describe("catch-up of a late joiner", () => {
  it("delivers a whole catch-up batch that arrives before the joiner counts the sender as a neighbour", () => {
    // The sender has published 200 messages when the joiner becomes its neighbour; its batch
    // reaches the joiner while the joiner is still checking the neighbour request.
    const sender = "10.0.0.1:7000";
    const joiner = "10.0.0.9:7000";
    identities.register(sender);
    identities.register(joiner);
    const old = createGossip(
      { self: sender, generator: { intervalMs: 10, count: 200 } },
      deps(sender),
    );
    old.step({ type: "neighbours", now: 0, neighbours: ["10.0.0.2:7000"] });
    let now = 0;
    while (old.nextDeadline() !== undefined) {
      now = old.nextDeadline() ?? now;
      old.step({ type: "tick", now });
    }
    const batch = old
      .step({ type: "neighbours", now, neighbours: ["10.0.0.2:7000", joiner] })
      .flatMap((output) =>
        output.type === "send" && output.to === joiner && output.message.type === "gossip.message"
          ? [output.message]
          : [],
      );
    expect(batch).toHaveLength(200);

    const late = createGossip({ self: joiner }, deps(joiner));
    for (const message of batch) late.step({ type: "receive", now, from: sender, message });
    const delivered = late
      .step({ type: "neighbours", now: now + 50, neighbours: [sender] })
      .filter((output) => output.type === "emit" && output.event.type === "message-delivered");
    expect(delivered).toHaveLength(200);
  });

  it("refuses a waiting room smaller than the catch-up batch, naming the field", () => {
    expect(() =>
      createGossip(
        { self: "10.0.0.1:7000", pending: { maxPerSender: 64 }, catchUp: { maxMessages: 256 } },
        deps("10.0.0.1:7000"),
      ),
    ).toThrow(/pending\.maxPerSender.*must be at least catchUp\.maxMessages/);
  });
});
