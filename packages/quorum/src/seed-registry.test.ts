import { err, ok, P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { deps, keyOf, seeds, sends } from "../test/registry-fixtures.js";
import type { EvidenceValidator } from "./membership.js";
import type { QuorumMessage } from "./messages.js";
import {
  createSeedRegistry,
  PROPOSER_RESERVATION_KEY,
  type SeedRegistry,
  type SeedRegistryOutput,
} from "./seed-registry.js";
import { createMemoryStorage } from "./storage.js";

describe("createSeedRegistry", () => {
  it("validates its configuration", () => {
    expect(() => createSeedRegistry({ seedId: "x", seeds }, deps)).toThrow(/seedId/);
    expect(() =>
      createSeedRegistry({ seedId: seeds[0] as string, seeds, quorumSize: 4 }, deps),
    ).toThrow(/quorumSize/);
    expect(() => createSeedRegistry({ seedId: "x", seeds }, deps)).toThrow(
      expect.objectContaining({ code: "CONFIG_INVALID" }),
    );
    const registry = createSeedRegistry({ seedId: seeds[1] as string, seeds }, deps);
    expect(registry.config.quorumSize).toBe(2);
    expect(Object.isFrozen(registry.config)).toBe(true);
  });

  it("persists a ballot reservation before any message goes out, its own promise after the prepares", () => {
    const registry = createSeedRegistry({ seedId: seeds[0] as string, seeds }, deps);
    const outputs = registry.step({
      type: "command",
      now: 0,
      command: { type: "register", operationId: "one", address: "10.9.0.1:7000" },
    });
    const firstSend = outputs.findIndex((output) => output.type === "send");
    const persists = outputs.slice(0, firstSend).filter((output) => output.type === "persist");
    expect(persists.map((output) => output.type === "persist" && output.key)).toEqual([
      PROPOSER_RESERVATION_KEY,
    ]);
    expect(sends(outputs).map((output) => output.type === "send" && output.to)).toEqual([
      seeds[1],
      seeds[2],
    ]);
    const ownPromise = outputs.findIndex(
      (output) => output.type === "persist" && output.key === "10.9.0.1:7000",
    );
    expect(ownPromise).toBeGreaterThan(firstSend);
  });

  it("never reuses a ballot after a restart from storage", () => {
    const storage = createMemoryStorage();
    const apply = (outputs: readonly SeedRegistryOutput[]) => {
      for (const output of outputs) {
        if (output.type === "persist") storage.save(output.key, output.state);
      }
      return outputs;
    };
    const first = createSeedRegistry({ seedId: seeds[0] as string, seeds }, deps);
    const ballotOf = (outputs: readonly SeedRegistryOutput[]) => {
      const send = outputs.find((output) => output.type === "send");
      return send?.type === "send" && "ballot" in send.message ? send.message.ballot : undefined;
    };
    const before = ballotOf(
      apply(
        first.step({
          type: "command",
          now: 0,
          // Not its own key: a prepare (ballot 0 of a new key is the one exception).
          command: {
            type: "register",
            operationId: "a",
            address: keyOf(seeds[0] as string, 0, false),
          },
        }),
      ),
    );
    const restarted = createSeedRegistry(
      { seedId: seeds[0] as string, seeds },
      { ...deps, initialState: storage.loadAll() },
    );
    const after = ballotOf(
      restarted.step({
        type: "command",
        now: 0,
        command: {
          type: "register",
          operationId: "b",
          address: keyOf(seeds[0] as string, 1, false),
        },
      }),
    );
    expect(after?.counter).toBeGreaterThan(before?.counter ?? Number.POSITIVE_INFINITY);
  });

  it("runs a register request end to end, answers a duplicate from its cache, and lists the record", () => {
    const registries = new Map<string, SeedRegistry>(
      seeds.map((seedId) => [seedId, createSeedRegistry({ seedId, seeds }, deps)]),
    );
    const client = "10.1.0.1:6000";
    const inbox: QuorumMessage[] = [];
    const queue: { from: string; to: string; message: QuorumMessage }[] = [];
    const deliver = () => {
      while (queue.length > 0) {
        const next = queue.shift();
        if (next === undefined) break;
        if (next.to === client) {
          inbox.push(next.message);
          continue;
        }
        const registry = registries.get(next.to);
        for (const output of registry?.step({
          type: "receive",
          now: 1,
          from: next.from,
          message: next.message,
        }) ?? []) {
          if (output.type === "send")
            queue.push({ from: next.to, to: output.to, message: output.message });
        }
      }
    };
    const request: QuorumMessage = {
      type: "quorum.register-request",
      requestId: "r1",
      address: client,
      neighbours: ["10.1.0.2:6000"],
    };
    queue.push({ from: client, to: seeds[0] as string, message: request });
    deliver();
    expect(inbox).toHaveLength(1);
    expect(inbox[0]).toMatchObject({
      type: "quorum.register-response",
      ok: true,
      record: { address: client, status: "alive", incarnation: 0 },
    });
    queue.push({ from: client, to: seeds[0] as string, message: request });
    deliver();
    expect(inbox[1]).toEqual(inbox[0]);
    for (const registry of registries.values()) {
      expect(registry.list().map((entry) => entry.record.address)).toEqual([client]);
    }
    queue.push({
      from: client,
      to: seeds[2] as string,
      message: { type: "quorum.list-request", requestId: "l1" },
    });
    deliver();
    expect(inbox[2]).toMatchObject({
      type: "quorum.list-response",
      members: [{ record: { address: client } }],
    });
  });

  it("commits on a majority of an accept phase it gave up on, when the answer that makes it comes late", () => {
    // Seed C is cut off; B's accept answers are held back (a lost frame waiting to be sent
    // again), so the accept phase of seed A times out before B's answer comes.
    const [a, b] = seeds as [string, string, string];
    const registries = new Map<string, SeedRegistry>(
      seeds.map((seedId) => [seedId, createSeedRegistry({ seedId, seeds }, deps)]),
    );
    const client = keyOf(b); // owned by B: A needs a prepare, then an accept
    const inbox: QuorumMessage[] = [];
    const held: { from: string; to: string; message: QuorumMessage }[] = [];
    const queue: { from: string; to: string; message: QuorumMessage }[] = [];
    const ballots = new Set<string>();
    const stepAll = (to: string, outputs: readonly SeedRegistryOutput[]) => {
      for (const output of outputs) if (output.type === "send") queue.push({ from: to, ...output });
    };
    const deliver = (now: number) => {
      for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
        if (next.to === client) inbox.push(next.message);
        else if (next.from === seeds[2] || next.to === seeds[2]) continue;
        else if (next.message.type === "quorum.accepted" && next.from === b) held.push(next);
        else {
          if (next.message.type === "quorum.accept")
            ballots.add(JSON.stringify(next.message.ballot));
          const { from, message } = next;
          stepAll(
            next.to,
            registries.get(next.to)?.step({ type: "receive", now, from, message }) ?? [],
          );
        }
      }
    };
    queue.push({
      from: client,
      to: a,
      message: {
        type: "quorum.register-request",
        requestId: "r1",
        address: client,
        neighbours: [],
      },
    });
    deliver(1);
    expect(held.map((entry) => entry.message.type)).toEqual(["quorum.accepted"]);
    // The phase times out: A backs off and asks again at a higher ballot (prepare).
    const registryA = registries.get(a) as SeedRegistry;
    let now = 1;
    while (!queue.some((entry) => entry.message.type === "quorum.prepare")) {
      now = registryA.nextDeadline() as number;
      stepAll(a, registryA.step({ type: "tick", now }));
    }
    expect(inbox).toEqual([]);
    // B's answer to the first accept arrives: with A's own, a majority accepted that ballot.
    const late = held.shift() as (typeof held)[number];
    stepAll(
      a,
      registryA.step({ type: "receive", now: now + 1, from: late.from, message: late.message }),
    );
    deliver(now + 1);
    expect(inbox).toMatchObject([
      { type: "quorum.register-response", ok: true, record: { address: client, incarnation: 0 } },
    ]);
    expect(ballots.size).toBe(1);
    expect(registryA.list().map((entry) => entry.record.address)).toEqual([client]);
  });

  it("gives NO_QUORUM at the deadline when no other seed answers", () => {
    const registry = createSeedRegistry(
      { seedId: seeds[0] as string, seeds, operationTimeoutMs: 1_000 },
      deps,
    );
    registry.step({
      type: "command",
      now: 0,
      command: { type: "read", operationId: "r", address: "10.9.0.1:7000" },
    });
    const events: SeedRegistryOutput[] = [];
    let now = 0;
    for (let guard = 0; guard < 100; guard++) {
      const deadline = registry.nextDeadline();
      if (deadline === undefined) break;
      now = Math.max(now, deadline);
      events.push(...registry.step({ type: "tick", now }));
    }
    const completed = events.find(
      (output) => output.type === "emit" && output.event.type === "operation-completed",
    );
    expect(
      completed?.type === "emit" &&
        completed.event.type === "operation-completed" &&
        !completed.event.result.ok &&
        completed.event.result.error.code,
    ).toBe("NO_QUORUM");
    expect(registry.nextDeadline()).toBeUndefined();
  });
});

describe("closed membership at the seed's door", () => {
  const admitted = "aa".repeat(32);
  const registry = () =>
    createSeedRegistry(
      { seedId: seeds[0] as string, seeds, ownRecordsOnly: true },
      { ...deps, admits: (key) => key === admitted },
    );
  const register = (publicKey: string | undefined, fromKey: string) =>
    registry().step({
      type: "receive",
      now: 0,
      from: "10.9.0.1:7000",
      fromKey,
      message: {
        type: "quorum.register-request",
        requestId: "r1",
        address: "10.9.0.1:7000",
        neighbours: [],
        ...(publicKey === undefined ? {} : { publicKey }),
      },
    });
  const refusal = (outputs: readonly SeedRegistryOutput[]) =>
    outputs.flatMap((output) =>
      output.type === "emit" && output.event.type === "request-refused" ? [output.event.code] : [],
    );

  it("answers NOT_ADMITTED to a key not on the list, whether named or only proved by the link", () => {
    const stranger = "bb".repeat(32);
    expect(refusal(register(stranger, stranger))).toEqual(["NOT_ADMITTED"]);
    expect(refusal(register(undefined, stranger))).toEqual(["NOT_ADMITTED"]);
  });

  it("lets an admitted key propose, also when the request names no key (the link's key counts)", () => {
    for (const outputs of [register(admitted, admitted), register(undefined, admitted)]) {
      expect(refusal(outputs)).toEqual([]);
      expect(sends(outputs).length).toBeGreaterThan(0); // the proposal's prepare
    }
  });
});

// Which saves a message waits for. A host delivers a send only once every save issued before it
// is durable (persist before send), so the order of a registry's outputs is its critical path:
// a send placed after a save it does not need waits one disk sync for nothing.

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

/** The member the removal suites remove, and its owner seed (which proposes removals at once). */
const owner = seeds[1] as string;
const member = keyOf(owner);
/** A report about `member`, as the registry's command. */
const report = (operationId: string) => ({
  type: "mark-dead" as const,
  operationId,
  address: member,
  incarnation: 0,
  evidence: { votes: [] },
});

/**
 * Three registries with `member` registered; `run` delivers outputs among them (sent by `from`,
 * default the owner), recording completed operations and the seeds that proposed a ballot
 * above 0 about `member`.
 */
const removalNetwork = (validateEvidence: EvidenceValidator = deps.validateEvidence) => {
  const registries = new Map<string, SeedRegistry>(
    seeds.map((seedId) => [
      seedId,
      createSeedRegistry({ seedId, seeds }, { random: deps.random, validateEvidence }),
    ]),
  );
  const proposers = new Set<string>();
  /** The request ids of every prepare and accept about `member` (one per attempt). */
  const attempts = new Set<string>();
  const completed: string[] = [];
  const run = (now: number, outputs: readonly SeedRegistryOutput[], from = owner) => {
    const queue = outputs.map((output) => ({ from, output }));
    for (let next = queue.shift(); next !== undefined; next = queue.shift()) {
      const { output } = next;
      if (output.type === "emit" && output.event.type === "operation-completed") {
        const { result, operationId } = output.event;
        completed.push(`${operationId} ${result.ok ? "ok" : result.error.code}`);
      }
      if (output.type !== "send") continue;
      const message = output.message;
      if (
        (message.type === "quorum.prepare" || message.type === "quorum.accept") &&
        message.key === member &&
        message.ballot.counter > 0
      ) {
        proposers.add(message.ballot.proposer);
        attempts.add(message.requestId);
      }
      const target = registries.get(output.to);
      if (target === undefined) continue;
      const answer = target.step({ type: "receive", now, from: next.from, message });
      queue.push(...answer.map((reply) => ({ from: output.to, output: reply })));
    }
  };
  const register = {
    type: "quorum.register-request" as const,
    requestId: "r",
    address: member,
    neighbours: [],
  };
  run(1, [{ type: "send", to: owner, message: register }], member);
  expect(registries.get(owner)?.get(member)?.record.status).toBe("alive");
  proposers.clear();
  attempts.clear();
  return { registries, run, proposers, attempts, completed };
};

describe("a removal that waited for the seed's own probe", () => {
  /** The network, whose evidence check passes only once `probed()` was called. */
  const probeNetwork = () => {
    let isProbed = false;
    const needsProbe = new P2pError("EVIDENCE_NEEDS_PROBE", "the seeds have not yet probed it");
    const { registries, run, completed } = removalNetwork(() =>
      isProbed ? ok(undefined) : err(needsProbe),
    );
    return {
      proposer: registries.get(owner) as SeedRegistry,
      run,
      completed,
      probed: () => {
        isProbed = true;
      },
    };
  };

  it("is proposed again after its refusal was committed, and commits once the probe failed", () => {
    const { proposer, run, completed, probed } = probeNetwork();
    run(2, proposer.step({ type: "command", now: 2, command: report("report") }));
    expect(completed).toEqual(["report EVIDENCE_INVALID"]);
    expect(proposer.get(member)?.record.status).toBe("alive");
    probed(); // the seed's own probe of the suspect failed meanwhile
    const due = proposer.nextDeadline() as number;
    run(due, proposer.step({ type: "tick", now: due }));
    expect(proposer.get(member)?.record.status).toBe("dead");
  });

  it("is proposed again as soon as the seed's own probe of the suspect failed", () => {
    const { proposer, run, completed, probed } = probeNetwork();
    run(2, proposer.step({ type: "command", now: 2, command: report("report") }));
    expect(completed).toEqual(["report EVIDENCE_INVALID"]);
    probed();
    const failed = { type: "probe-result" as const, address: member, incarnation: 0 };
    run(900, proposer.step({ ...failed, now: 900, isAlive: false, atMs: 900 }));
    expect(proposer.get(member)?.record.status).toBe("dead");
  });

  it("commits once the probe failed, however many reports about the suspect were refused before", () => {
    // Every neighbour of a crashed peer reports it, then drops it from its list: each report
    // is refused for want of the probe, and each refusal is committed under a new version of
    // the unchanged record. The retry of the first must survive the versions of the others.
    const { proposer, run, completed, probed } = probeNetwork();
    for (const id of ["from-1", "from-2", "from-3"]) {
      run(2, proposer.step({ type: "command", now: 2, command: report(id) }));
    }
    expect(completed).toEqual([
      "from-1 EVIDENCE_INVALID",
      "from-2 EVIDENCE_INVALID",
      "from-3 EVIDENCE_INVALID",
    ]);
    probed();
    const due = proposer.nextDeadline() as number;
    run(due, proposer.step({ type: "tick", now: due }));
    expect(proposer.get(member)?.record.status).toBe("dead");
  });
});

describe("a removal reported to every seed at once", () => {
  it("is proposed by the member's owner seed alone, while the others wait for it", () => {
    // Three seeds proposing the same removal at once preempt each other's ballots; under load
    // no proposal gets a quorum before its deadline and the removal waits seconds for retries.
    const { registries, run, proposers } = removalNetwork();
    for (const [seedId, registry] of registries) {
      run(10, registry.step({ type: "command", now: 10, command: report(`at ${seedId}`) }), seedId);
    }
    expect([...proposers]).toEqual([owner]);
    for (const registry of registries.values())
      expect(registry.get(member)?.record.status).toBe("dead");
  });

  it("from several neighbours is one proposal at a seed, and every report gets its outcome", () => {
    // Each report was a Paxos operation of its own, queued on the member's key: the ones behind
    // the first waited for it, ran out of time (NO_QUORUM) under loss, and preempted the
    // retries of the others.
    const { registries, run, attempts, completed } = removalNetwork();
    const registry = registries.get(owner) as SeedRegistry;
    const outputs = ["from-1", "from-2", "from-3"].flatMap((id) =>
      registry.step({ type: "command", now: 10, command: report(id) }),
    );
    run(10, outputs);
    expect(completed.sort()).toEqual(["from-1 ok", "from-2 ok", "from-3 ok"]);
    expect(attempts.size).toBe(1);
    expect(registry.get(member)?.record.status).toBe("dead");
  });

  it("is proposed by another seed once the owner has not removed it in time (the owner is down)", () => {
    const { registries, run, proposers, completed } = removalNetwork();
    registries.delete(owner); // crashed: receives nothing, proposes nothing
    for (const [seedId, registry] of registries) {
      run(10, registry.step({ type: "command", now: 10, command: report(`at ${seedId}`) }), seedId);
    }
    let now = 10;
    for (let round = 0; round < 20 && completed.length < 2; round++) {
      for (const [seedId, registry] of registries) {
        const due = registry.nextDeadline();
        if (due === undefined) continue;
        now = Math.max(now, due);
        run(now, registry.step({ type: "tick", now }), seedId);
      }
    }
    expect(completed.sort()).toEqual([`at ${seeds[0]} ok`, `at ${seeds[2]} ok`]);
    expect(proposers.has(owner)).toBe(false);
    for (const registry of registries.values())
      expect(registry.get(member)?.record.status).toBe("dead");
  });
});
