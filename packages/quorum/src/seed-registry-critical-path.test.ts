import { ok, type RandomSource } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { QuorumMessage } from "./messages.js";
import {
  createSeedRegistry,
  PROPOSER_RESERVATION_KEY,
  type SeedRegistry,
  type SeedRegistryOutput,
} from "./seed-registry.js";

// Which saves a message waits for. A host delivers a send only once every save issued before it
// is durable (persist before send), so the order of a registry's outputs is its critical path:
// a send placed after a save it does not need waits one disk sync for nothing.

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const random: RandomSource = { next: () => 0.5 };
const deps = { random, validateEvidence: () => ok(undefined) };
const proposerSeed = seeds[0] as string;

/** Three registries wired in memory; every output of the first seed is recorded in order. */
function network() {
  const registries = new Map<string, SeedRegistry>(
    seeds.map((seedId) => [seedId, createSeedRegistry({ seedId, seeds }, deps)]),
  );
  const recorded: SeedRegistryOutput[] = [];
  const queue: { from: string; to: string; message: QuorumMessage }[] = [];
  const deliver = () => {
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const registry = registries.get(next.to);
      if (registry === undefined) continue; // a client: its answer is in `recorded`
      const outputs = registry.step({
        type: "receive",
        now: 1,
        from: next.from,
        message: next.message,
      });
      if (next.to === proposerSeed) recorded.push(...outputs);
      for (const output of outputs) {
        if (output.type === "send")
          queue.push({ from: next.to, to: output.to, message: output.message });
      }
    }
  };
  const register = (client: string) => {
    const from = recorded.length;
    queue.push({
      from: client,
      to: proposerSeed,
      message: {
        type: "quorum.register-request",
        requestId: client,
        address: client,
        neighbours: [],
      },
    });
    deliver();
    return recorded.slice(from);
  };
  return { register };
}

const isPersistOf = (output: SeedRegistryOutput, key: string) =>
  output.type === "persist" && output.key === key;
const isCommitMark = (output: SeedRegistryOutput, key: string) =>
  output.type === "persist" && output.key === key && output.state.accepted?.committed === true;
const isSendTo = (output: SeedRegistryOutput, to: string, type?: string) =>
  output.type === "send" &&
  output.to === to &&
  (type === undefined || output.message.type === type);

describe("a commit's critical path", () => {
  it("sends to the other seeds before its own acceptor's save, never before the ballot reservation", () => {
    const { register } = network();
    const first = register("10.1.0.1:6000");
    const reservation = first.findIndex((output) => isPersistOf(output, PROPOSER_RESERVATION_KEY));
    const firstSend = first.findIndex((output) => output.type === "send");
    expect(reservation).toBeGreaterThanOrEqual(0);
    expect(reservation).toBeLessThan(firstSend);
    // A new key: the prepare goes out to both other seeds ahead of the own promise's save.
    const outputs = register("10.1.0.2:6000");
    const ownSave = outputs.findIndex((output) => isPersistOf(output, "10.1.0.2:6000"));
    const prepares = outputs.flatMap((output, index) =>
      isSendTo(output, seeds[1] as string, "quorum.prepare") ||
      isSendTo(output, seeds[2] as string, "quorum.prepare")
        ? [index]
        : [],
    );
    expect(prepares).toHaveLength(2);
    expect(ownSave).toBeGreaterThan(Math.max(...prepares));
  });

  it("never lets what counts its own acceptor's answer go out before that answer's save", () => {
    const { register } = network();
    register("10.1.0.1:6000");
    const key = "10.1.0.3:6000";
    const outputs = register(key);
    const saves = outputs.flatMap((output, index) => (isPersistOf(output, key) ? [index] : []));
    const accepts = outputs.flatMap((output, index) =>
      output.type === "send" && output.message.type === "quorum.accept" ? [index] : [],
    );
    const answer = outputs.findIndex((output) => isSendTo(output, key, "quorum.register-response"));
    // The own promise is saved before any accept (which a quorum including it allowed) …
    expect(saves[0]).toBeLessThan(Math.min(...accepts));
    // … and the own accept is saved before the answer.
    expect(saves[1]).toBeLessThan(answer);
  });

  it("answers the client before it saves the commit mark", () => {
    const { register } = network();
    register("10.1.0.1:6000");
    const key = "10.1.0.4:6000";
    const outputs = register(key);
    const answer = outputs.findIndex((output) => isSendTo(output, key, "quorum.register-response"));
    const mark = outputs.findIndex((output) => isCommitMark(output, key));
    expect(answer).toBeGreaterThanOrEqual(0);
    expect(mark).toBeGreaterThanOrEqual(0);
    expect(answer).toBeLessThan(mark);
  });
});
