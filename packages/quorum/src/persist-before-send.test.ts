import { describe, expect, it } from "vitest";
import { zeroBallot } from "./ballot.js";
import {
  createPersistBeforeSend,
  type DeliverableOutput,
  type PersistBeforeSendOptions,
} from "./persist-before-send.js";
import type { SeedRegistryOutput } from "./seed-registry-types.js";

const state = { promised: zeroBallot, accepted: null };
const persist = (key: string): SeedRegistryOutput => ({ type: "persist", key, state });
/** A commit mark's save: a crash may lose it (the seed reads the key again after a restart). */
const lazyPersist = (key: string): SeedRegistryOutput => ({
  type: "persist",
  key,
  state,
  isLazy: true,
});
const send = (to: string): SeedRegistryOutput => ({
  type: "send",
  to,
  message: { type: "quorum.get-request", requestId: to, address: "10.9.0.1:7000" },
});
const nameOf = (output: DeliverableOutput): string =>
  output.type === "send" ? output.to : output.event.type;

/** A thenable settled by hand, calling back synchronously (as the simulator's storage does). */
interface ManualSave {
  readonly key: string;
  readonly completion: PromiseLike<void>;
  resolve(): void;
  reject(error: unknown): void;
}

function manualSave(key: string): ManualSave {
  const callbacks: { done: (value: undefined) => void; fail: (error: unknown) => void }[] = [];
  let outcome: { ok: true } | { ok: false; error: unknown } | undefined;
  const run = () => {
    if (outcome === undefined) return;
    for (const callback of callbacks.splice(0)) {
      if (outcome?.ok === true) callback.done(undefined);
      else if (outcome !== undefined) callback.fail(outcome.error);
    }
  };
  const completion = {
    // biome-ignore lint/suspicious/noThenProperty: a hand-made thenable is the point here
    then(done: (value: undefined) => void, fail: (error: unknown) => void) {
      callbacks.push({ done, fail });
      run();
      return completion;
    },
  } as unknown as PromiseLike<void>;
  return {
    key,
    completion,
    resolve: () => {
      outcome = { ok: true };
      run();
    },
    reject: (error) => {
      outcome = { ok: false, error };
      run();
    },
  };
}

function harness(save?: (key: string) => ReturnType<PersistBeforeSendOptions["save"]>) {
  const saves: ManualSave[] = [];
  const delivered: string[] = [];
  const failures: unknown[] = [];
  const options: PersistBeforeSendOptions = {
    save:
      save ??
      ((key) => {
        const pending = manualSave(key);
        saves.push(pending);
        return pending.completion;
      }),
    deliver: (output) => delivered.push(nameOf(output)),
    onFailure: (error) => failures.push(error),
  };
  const group = createPersistBeforeSend(options);
  const saveOf = (key: string): ManualSave => {
    const found = saves.find((pending) => pending.key === key);
    if (found === undefined) throw new Error(`no save of ${key}`);
    return found;
  };
  return { group, saves, delivered, failures, saveOf };
}

describe("createPersistBeforeSend", () => {
  it("delivers at once when saves are durable on return", () => {
    const { group, delivered } = harness(() => undefined);
    for (const output of [persist("a"), send("x"), persist("b"), send("y")]) group.apply(output);
    expect(delivered).toEqual(["x", "y"]);
    expect(group.inspect()).toEqual({ savesInFlight: 0, waitingOutputs: 0, hasFailed: false });
  });

  it("issues every save at once and holds each send until the saves before it are durable", () => {
    const { group, saves, delivered, saveOf } = harness();
    for (const output of [persist("a"), send("x"), persist("b"), send("y"), send("z")]) {
      group.apply(output);
    }
    expect(saves.map((pending) => pending.key)).toEqual(["a", "b"]); // batched: both in flight
    expect(delivered).toEqual([]);
    saveOf("a").resolve();
    expect(delivered).toEqual(["x"]);
    saveOf("b").resolve();
    expect(delivered).toEqual(["x", "y", "z"]);
  });

  it("waits for the earliest save even when a later one completes first", () => {
    const { group, delivered, saveOf } = harness();
    for (const output of [persist("a"), send("x"), persist("b"), send("y")]) group.apply(output);
    saveOf("b").resolve();
    expect(delivered).toEqual([]);
    expect(group.inspect()).toEqual({ savesInFlight: 1, waitingOutputs: 2, hasFailed: false });
    saveOf("a").resolve();
    expect(delivered).toEqual(["x", "y"]);
  });

  it("keeps a send that needs no save behind an earlier one that waits", () => {
    const { group, delivered, saveOf } = harness();
    group.apply(persist("a"));
    group.apply(send("x"));
    saveOf("a").resolve();
    group.apply(send("y")); // nothing pending any more: out at once
    group.apply(persist("b"));
    group.apply(send("z"));
    group.apply({ type: "emit", event: { type: "member-left", record: record() } });
    expect(delivered).toEqual(["x", "y"]);
    saveOf("b").resolve();
    expect(delivered).toEqual(["x", "y", "z", "member-left"]);
  });

  it("stops for good after a failed save: no delivery, no further save, one report", () => {
    const { group, saves, delivered, failures, saveOf } = harness();
    for (const output of [persist("a"), send("x"), persist("b"), send("y")]) group.apply(output);
    saveOf("b").reject(new Error("disk full"));
    saveOf("a").resolve();
    group.apply(persist("c"));
    group.apply(send("z"));
    expect(delivered).toEqual([]);
    expect(saves.map((pending) => pending.key)).toEqual(["a", "b"]);
    expect(failures).toHaveLength(1);
    expect(group.inspect().hasFailed).toBe(true);
  });

  it("treats a save that throws as a failed save", () => {
    const { group, delivered, failures } = harness(() => {
      throw new Error("closed");
    });
    group.apply(persist("a"));
    group.apply(send("x"));
    expect(delivered).toEqual([]);
    expect(failures).toHaveLength(1);
  });

  it("delivers after a real promise resolves, in order", async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const { group, delivered } = harness(() => gate);
    for (const output of [send("w"), persist("a"), send("x"), send("y")]) group.apply(output);
    expect(delivered).toEqual(["w"]);
    release();
    await gate;
    await Promise.resolve();
    expect(delivered).toEqual(["w", "x", "y"]);
  });

  it("issues a lazy save in order, but holds no send behind it", () => {
    const { group, saves, delivered, saveOf } = harness();
    for (const output of [persist("a"), send("x"), lazyPersist("b"), send("y"), send("z")]) {
      group.apply(output);
    }
    expect(saves.map((pending) => pending.key)).toEqual(["a", "b"]);
    saveOf("a").resolve();
    expect(delivered).toEqual(["x", "y", "z"]);
    expect(group.inspect()).toEqual({ savesInFlight: 0, waitingOutputs: 0, hasFailed: false });
    // A lazy save that fails still stops everything.
    group.apply(persist("c"));
    group.apply(send("w"));
    saveOf("b").reject(new Error("disk full"));
    saveOf("c").resolve();
    expect(delivered).toEqual(["x", "y", "z"]);
    expect(group.inspect().hasFailed).toBe(true);
  });

  it("passes a lazy save to saveLazy when the host has one", () => {
    const eager: string[] = [];
    const lazy: string[] = [];
    const delivered: string[] = [];
    const group = createPersistBeforeSend({
      save: (key) => {
        eager.push(key);
      },
      saveLazy: (key) => {
        lazy.push(key);
        return new Promise<void>(() => {}); // never durable: nothing waits for it
      },
      deliver: (output) => delivered.push(nameOf(output)),
      onFailure: () => {},
    });
    for (const output of [persist("a"), lazyPersist("b"), send("x")]) group.apply(output);
    expect([eager, lazy, delivered]).toEqual([["a"], ["b"], ["x"]]);
  });

  it("keeps the order when a delivery applies more outputs (re-entry)", () => {
    const delivered: string[] = [];
    const saves: ManualSave[] = [];
    const group = createPersistBeforeSend({
      save: (key) => {
        const pending = manualSave(key);
        saves.push(pending);
        return pending.completion;
      },
      deliver: (output) => {
        delivered.push(nameOf(output));
        if (nameOf(output) === "x") {
          group.apply(send("nested"));
          group.apply(persist("c"));
          group.apply(send("after-c"));
        }
      },
      onFailure: () => {},
    });
    group.apply(persist("a"));
    group.apply(send("x"));
    group.apply(send("y"));
    saves[0]?.resolve();
    expect(delivered).toEqual(["x", "y", "nested"]);
    saves[1]?.resolve();
    expect(delivered).toEqual(["x", "y", "nested", "after-c"]);
  });
});

function record() {
  return {
    address: "10.9.0.1:7000",
    status: "left" as const,
    incarnation: 0,
    neighbours: [],
    changedAt: 0,
  };
}
