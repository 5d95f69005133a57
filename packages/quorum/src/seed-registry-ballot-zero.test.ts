import { describe, expect, it } from "vitest";
import { deps, keyOf, seeds, sends } from "../test/registry-fixtures.js";
import type { QuorumMessage } from "./messages.js";
import { createSeedRegistry, type SeedRegistry, type SeedRegistryOutput } from "./seed-registry.js";
import { createMemoryStorage } from "./storage.js";

/** A prepare of `key` at `counter` from seed `from`. */
const prepare = (requestId: string, key: string, counter: number, from: string): QuorumMessage => ({
  type: "quorum.prepare",
  requestId,
  key,
  ballot: { counter, proposer: from },
});

describe("a new key at ballot 0 (one round trip)", () => {
  it("writes a new key it owns at ballot 0: its acceptor saves it, then the others get it, one round trip", () => {
    const [a, b, c] = seeds as [string, string, string];
    const key = keyOf(a);
    const registry = createSeedRegistry({ seedId: a, seeds }, deps);
    const outputs = registry.step({
      type: "command",
      now: 0,
      command: { type: "register", operationId: "one", address: key },
    });
    const messages = sends(outputs).flatMap((output) =>
      output.type === "send" ? [output.message] : [],
    );
    expect(messages.map((message) => message.type)).toEqual(["quorum.accept", "quorum.accept"]);
    const accept = messages[0] as Extract<QuorumMessage, { type: "quorum.accept" }>;
    expect(accept.ballot).toEqual({ counter: 0, proposer: a });
    expect(accept.nextBallot?.counter).toBeGreaterThan(0);
    // Its own acceptor's save of the value comes before either send (persist before send).
    const ownSave = outputs.findIndex(
      (output) =>
        output.type === "persist" &&
        output.key === key &&
        output.state.accepted?.ballot.counter === 0,
    );
    const firstSend = outputs.findIndex((output) => output.type === "send");
    expect(ownSave).toBeGreaterThanOrEqual(0);
    expect(ownSave).toBeLessThan(firstSend);
    // One acceptor's answer makes the majority with its own.
    const done = registry.step({
      type: "receive",
      now: 1,
      from: b,
      message: {
        type: "quorum.accepted",
        requestId: accept.requestId,
        key,
        ballot: accept.ballot,
        ok: true,
        promised: accept.nextBallot ?? accept.ballot,
        reason: null,
      },
    });
    expect(done).toContainEqual(
      expect.objectContaining({
        type: "emit",
        event: expect.objectContaining({ type: "operation-completed", address: key }),
      }),
    );
    expect(registry.get(key)?.version).toBe(0);
    expect(sends(done).map((output) => output.type === "send" && output.to)).toEqual([b, c]);
  });

  it("starts with a prepare for a key it does not own, or one its acceptor holds", () => {
    const [a, b] = seeds as [string, string];
    const registry = createSeedRegistry({ seedId: a, seeds }, deps);
    const firstType = (outputs: readonly SeedRegistryOutput[]) => {
      const [first] = sends(outputs);
      return first?.type === "send" ? first.message.type : undefined;
    };
    const register = (address: string, operationId: string) =>
      registry.step({
        type: "command",
        now: 0,
        command: { type: "register", operationId, address },
      });
    expect(firstType(register(keyOf(a, 0, false), "x"))).toBe("quorum.prepare");
    // Its own key, but its acceptor has promised another seed a ballot on it (its acceptor
    // would refuse ballot 0 anyway).
    const held = keyOf(a, 1);
    registry.step({
      type: "receive",
      now: 0,
      from: b,
      message: prepare("p", held, 3, b),
    });
    expect(firstType(register(held, "y"))).toBe("quorum.prepare");
  });

  it("ignores a ballot-0 accept or prepare from a seed that does not own the key", () => {
    const [a, b, c] = seeds as [string, string, string];
    const registry = createSeedRegistry({ seedId: c, seeds }, deps);
    const zero = (from: string, key: string): QuorumMessage => ({
      type: "quorum.accept",
      requestId: "z",
      key,
      ballot: { counter: 0, proposer: from },
      value: {
        address: key,
        status: "alive",
        incarnation: 0,
        neighbours: [],
        changedAt: 0,
      },
      operations: ["z"],
      nextBallot: { counter: 1, proposer: from },
    });
    // b writing a's key at ballot 0 would skip the prepare beside a's own ballot 0: no answer.
    const foreign = keyOf(a);
    expect(registry.step({ type: "receive", now: 0, from: b, message: zero(b, foreign) })).toEqual(
      [],
    );
    expect(
      registry.step({
        type: "receive",
        now: 0,
        from: b,
        message: prepare("q", foreign, 0, b),
      }),
    ).toEqual([]);
    expect(registry.acceptorState(foreign)).toBeUndefined();
    // The owner's ballot 0 is accepted.
    const replies = sends(
      registry.step({ type: "receive", now: 0, from: a, message: zero(a, foreign) }),
    );
    expect(replies).toHaveLength(1);
    expect(replies[0]?.type === "send" && replies[0].message).toMatchObject({
      type: "quorum.accepted",
      ok: true,
    });
  });
  it("sends a ballot-0 write only once its own save is durable: a crash in that save leaves one value at most", () => {
    const a = seeds[0] as string;
    const key = keyOf(a);
    const storage = createMemoryStorage();
    const delivered: QuorumMessage[] = [];
    // A host that applies outputs in order and dies in the save of the key's acceptor state.
    const runUntilCrash = (outputs: readonly SeedRegistryOutput[]) => {
      for (const output of outputs) {
        if (output.type === "persist" && output.key === key) return;
        if (output.type === "persist") storage.save(output.key, output.state);
        if (output.type === "send") delivered.push(output.message);
      }
    };
    const register = (registry: SeedRegistry, now: number, operationId: string) =>
      registry.step({
        type: "command",
        now,
        command: { type: "register", operationId, address: key },
      });
    runUntilCrash(register(createSeedRegistry({ seedId: a, seeds }, deps), 0, "one"));
    const restarted = createSeedRegistry(
      { seedId: a, seeds },
      { ...deps, initialState: storage.loadAll() },
    );
    for (const output of register(restarted, 5_000, "two")) {
      if (output.type === "send") delivered.push(output.message);
    }
    const written = new Set(
      delivered.flatMap((message) =>
        message.type === "quorum.accept" && message.ballot.counter === 0
          ? [JSON.stringify([message.value, message.operations])]
          : [],
      ),
    );
    expect(written.size).toBe(1);
  });
  it("prepares instead when its own acceptor refuses its ballot 0, which then never leaves the seed", () => {
    const a = seeds[0] as string;
    const key = keyOf(a);
    // A closed membership that admits nobody: the acceptor refuses every registration.
    const registry = createSeedRegistry({ seedId: a, seeds }, { ...deps, admits: () => false });
    const outputs = registry.step({
      type: "command",
      now: 0,
      command: { type: "register", operationId: "one", address: key, publicKey: "cc".repeat(32) },
    });
    const messages = sends(outputs).flatMap((output) =>
      output.type === "send" ? [output.message] : [],
    );
    expect(messages.length).toBeGreaterThan(0);
    expect(messages.every((message) => message.type === "quorum.prepare")).toBe(true);
    expect(
      outputs.some(
        (output) => output.type === "persist" && output.state.accepted?.ballot.counter === 0,
      ),
    ).toBe(false);
  });
});
