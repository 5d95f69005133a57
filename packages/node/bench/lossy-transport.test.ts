import { createSimulation } from "@p2p/sim";
import type { Connection, RandomSource } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { type LossControl, lossyTransport } from "./lossy-transport.js";

/** A random source that returns `values` in turn (then never loses anything). */
const scripted = (values: readonly number[]): RandomSource => {
  let index = 0;
  return { next: () => values[index++] ?? 0.99 };
};

/**
 * Sends five frames, one per ms, over a 5 ms link whose receiving side loses the first frame
 * once; returns when each frame was delivered (virtual ms) and the loss counters.
 */
async function deliveries(fastRetransmitRoundTripMs: number | undefined) {
  const sim = createSimulation({ seed: 1, link: { latencyMs: 5 } });
  const control: LossControl = { rate: 0.5, retransmitted: 0, fastRetransmitted: 0, delivered: 0 };
  // The first draw loses frame 1, the second spares its retransmission; frames 2–5 arrive.
  const receiver = lossyTransport(
    sim.transport("10.0.0.1:5000"),
    scripted([0, 0.99]),
    sim.clockFor("10.0.0.1:5000"),
    control,
    { fastRetransmitRoundTripMs },
  );
  const delivered: { frame: number; atMs: number }[] = [];
  await receiver.listen("10.0.0.1:5000", (connection) => {
    connection.on("message", (payload) => {
      delivered.push({ frame: payload[0] ?? -1, atMs: sim.now() });
    });
  });
  const sender = sim.transport("10.0.0.2:6000");
  const connection: Connection = await sim.settle(sender.dial("10.0.0.1:5000"));
  const start = sim.now();
  for (let frame = 1; frame <= 5; frame++) {
    connection.send(Uint8Array.of(frame));
    await sim.runForAsync(1);
  }
  await sim.runForAsync(1_000);
  return { delivered, control, start };
}

describe("the bench's lossy transport", () => {
  it("holds a lost frame for the retransmission timeout, and every frame behind it", async () => {
    const { delivered, control, start } = await deliveries(undefined);
    expect(delivered.map((each) => each.frame)).toEqual([1, 2, 3, 4, 5]);
    // Sent at start, arrived 5 ms later, lost: back after 200 ms, the others with it.
    expect(delivered.map((each) => each.atMs - start)).toEqual([205, 205, 205, 205, 205]);
    expect(control.retransmitted).toBe(1);
    expect(control.fastRetransmitted).toBe(0);
  });

  it("with fast retransmit, brings it back one round trip after the third frame behind it", async () => {
    const { delivered, control, start } = await deliveries(10);
    expect(delivered.map((each) => each.frame)).toEqual([1, 2, 3, 4, 5]);
    // Frame 4 (the third behind it) arrives at 8 ms: frame 1 at 18 ms, then 2–4; 5 on time.
    expect(delivered.map((each) => each.atMs - start)).toEqual([18, 18, 18, 18, 18]);
    expect(control.fastRetransmitted).toBe(1);
  });
});
