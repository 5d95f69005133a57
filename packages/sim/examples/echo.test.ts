import { expect, it } from "vitest";
import { createSimulation, forEachSeed } from "../src/index.js";

type Message = { type: "ping"; n: number } | { type: "pong"; n: number };

it("echo survives a healed partition", async () => {
  // Every seed is a different network schedule; a failure says "replay with P2P_SEED=<seed>".
  await forEachSeed(
    20,
    1,
    (seed) => {
      const sim = createSimulation<Message>({ seed, link: { latencyMs: 10, jitterMs: 5 } });
      const pongs: number[] = [];
      sim.addNode("10.0.0.1:7000", (from, message) => {
        if (message.type === "ping")
          sim.send("10.0.0.1:7000", from, { type: "pong", n: message.n });
      });
      sim.addNode("10.0.0.2:7000", (_from, message) => {
        if (message.type === "pong") pongs.push(message.n);
      });

      sim.partition(["10.0.0.1"], ["10.0.0.2"]); // hosts or full addresses
      sim.send("10.0.0.2:7000", "10.0.0.1:7000", { type: "ping", n: 1 });
      sim.runFor(1_000);
      expect(pongs).toEqual([]); // cut: dropped and counted
      expect(sim.stats.droppedBy.partition).toBe(1);

      sim.heal();
      sim.send("10.0.0.2:7000", "10.0.0.1:7000", { type: "ping", n: 2 });
      expect(sim.runUntil(() => pongs.length === 1, { timeoutMs: 1_000 })).toBe(true);
      expect(pongs).toEqual([2]);
    },
    process.env.P2P_SEED,
  );
});

it("echo over the stream transport", async () => {
  const sim = createSimulation({ seed: 7 });
  const listener = await sim.settle(
    sim.transport("10.0.0.1").listen("10.0.0.1:7000", (connection) => {
      connection.on("message", (payload) => connection.send(payload));
    }),
  );
  const client = await sim.settle(sim.transport("10.0.0.2").dial(listener.address));
  const replies: string[] = [];
  client.on("message", (payload) => replies.push(new TextDecoder().decode(payload)));
  client.send(new TextEncoder().encode("hi"));
  await sim.runForAsync(100);
  expect(replies).toEqual(["hi"]);
});
