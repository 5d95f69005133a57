import { ok, P2pError, type RandomSource } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createNetwork } from "../test/network.js";
import type { EvidenceContext } from "./membership.js";
import type { QuorumMessage } from "./messages.js";
import { createSeedRegistry, type SeedRegistryOutput } from "./seed-registry.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const [a, b, c] = seeds as [string, string, string];
const peer = "10.1.0.1:6000";
const random: RandomSource = { next: () => 0 };
const deps = { random, validateEvidence: () => ok(undefined) };

describe("seed registry: anti-entropy in its tick", () => {
  it("refuses time going backwards", () => {
    const registry = createSeedRegistry({ seedId: a, seeds }, deps);
    registry.step({ type: "tick", now: 100 });
    expect(() => registry.step({ type: "tick", now: 99 })).toThrow(
      expect.objectContaining({ code: "TIME_WENT_BACKWARDS" }),
    );
  });

  it("does not compare versions before it has received any message", () => {
    const registry = createSeedRegistry({ seedId: a, seeds }, deps);
    expect(registry.step({ type: "tick", now: 0 })).toEqual([]);
    expect(registry.nextDeadline()).toBeUndefined();
    expect(registry.inspect().nextSyncAt).toBeUndefined();
  });

  it("a seed that missed a commit quorum-reads it after the next version comparison", () => {
    const network = createNetwork({ syncIntervalMs: 5_000 });
    network.cut.add(c); // c misses the register and its learn messages
    network.command(a, peer, "r1");
    expect(network.get(a).get(peer)?.record.status).toBe("alive");
    expect(network.get(c).get(peer)).toBeUndefined();
    network.cut.delete(c);
    // c hears from another seed (an unrelated operation): its comparisons start
    network.command(b, "10.1.0.2:6000", "r2");
    expect(network.get(c).inspect().nextSyncAt).toBe(network.now + 5_000);
    const logged = network.log.length;
    // (its first ballot is refused — it never saw the others' — and retried after a backoff)
    network.runUntil(5_500);
    const sent = network.log.slice(logged);
    // one version request to one other seed, chosen with the injected random (0: the first)
    const requests = sent.filter(
      (entry) => entry.from === c && entry.message.type === "quorum.list-request",
    );
    expect(requests.map((entry) => entry.to)).toEqual([a]);
    // then a quorum read of the lagging key only (prepares to the other seeds), never a copy
    const prepares = sent.filter(
      (entry) => entry.from === c && entry.message.type === "quorum.prepare",
    );
    expect([...new Set(prepares.map((entry) => entry.to))].sort()).toEqual([a, b]);
    expect(
      prepares.every(
        (entry) => entry.message.type === "quorum.prepare" && entry.message.key === peer,
      ),
    ).toBe(true);
    expect(network.get(c).get(peer)?.record.status).toBe("alive");
    expect(network.get(c).inspect().catchUpReads).toBe(0);
    // in step again: the next comparison finds nothing to read
    const before = network.log.length;
    network.runUntil(10_500);
    const later = network.log.slice(before).filter((entry) => entry.from === c);
    expect(later.map((entry) => entry.message.type)).toEqual(["quorum.list-request"]);
  });

  it("ignores version lists it did not ask for, and never copies them", () => {
    const registry = createSeedRegistry({ seedId: c, seeds }, deps);
    const record = {
      address: peer,
      status: "alive" as const,
      incarnation: 0,
      neighbours: [],
      changedAt: 0,
    };
    const outputs = registry.step({
      type: "receive",
      now: 1,
      from: a,
      message: {
        type: "quorum.list-response",
        requestId: "sync/1",
        members: [{ record, version: 7 }],
        next: null,
      },
    });
    expect(outputs).toEqual([]);
    expect(registry.get(peer)).toBeUndefined();
  });

  it("starts at most one read per key, even when two comparisons find the same lag", () => {
    const registry = createSeedRegistry({ seedId: c, seeds, syncIntervalMs: 1_000 }, deps);
    const record = {
      address: peer,
      status: "alive" as const,
      incarnation: 0,
      neighbours: [],
      changedAt: 0,
    };
    registry.step({
      type: "receive",
      now: 0,
      from: a,
      message: { type: "quorum.list-request", requestId: "x" },
    });
    const prepares = (outputs: readonly SeedRegistryOutput[]) =>
      outputs.filter(
        (output) => output.type === "send" && output.message.type === "quorum.prepare",
      );
    let reads = 0;
    for (const now of [1_000, 2_000]) {
      const request = registry
        .step({ type: "tick", now })
        .find((output) => output.type === "send" && output.message.type === "quorum.list-request");
      if (request?.type !== "send" || request.message.type !== "quorum.list-request") {
        throw new Error("no version request");
      }
      reads += prepares(
        registry.step({
          type: "receive",
          now,
          from: request.to,
          message: {
            type: "quorum.list-response",
            requestId: request.message.requestId,
            members: [{ record, version: 7 }],
            next: null,
          },
        }),
      ).length;
    }
    expect(reads).toBe(2); // one read (a prepare to each other seed), not two
    expect(registry.inspect().catchUpReads).toBe(1);
  });
});

describe("seed registry: probe results and own records", () => {
  it("gives the evidence validator this seed's probe results, directory and clock as arguments", () => {
    const contexts: EvidenceContext[] = [];
    const registry = createSeedRegistry(
      { seedId: a, seeds: [a] },
      {
        random,
        validateEvidence: (_subject, _evidence, context) => {
          contexts.push(context);
          return context.probeResults.get(peer)?.isAlive === false
            ? ok(undefined)
            : { ok: false, error: new P2pError("EVIDENCE_NEEDS_PROBE", "not probed") };
        },
      },
    );
    registry.step({
      type: "command",
      now: 0,
      command: { type: "register", operationId: "r", address: peer },
    });
    const markDead = (now: number, operationId: string) =>
      registry.step({
        type: "command",
        now,
        wallTimeMs: 1_000_000 + now,
        command: { type: "mark-dead", operationId, address: peer, incarnation: 0, evidence: {} },
      });
    const resultOf = (outputs: readonly SeedRegistryOutput[]) =>
      outputs.flatMap((output) =>
        output.type === "emit" && output.event.type === "operation-completed"
          ? [output.event.result.ok]
          : [],
      );
    expect(resultOf(markDead(10, "d1"))).toEqual([false]);
    // The failed probe brings the refused removal again (a retry: its own completion event).
    const probed = registry.step({
      type: "probe-result",
      now: 30,
      wallTimeMs: 1_000_030,
      address: peer,
      incarnation: 0,
      isAlive: false,
      atMs: 15,
    });
    expect(resultOf(probed)).toEqual([true]);
    expect(registry.get(peer)?.record.status).toBe("dead");
    const last = contexts.at(-1);
    expect(last?.now).toBe(30);
    expect(last?.wallTimeMs).toBe(1_000_030);
    expect(last?.records.map((record) => record.address)).toEqual([peer]);
    expect(last?.probeResults.get(peer)).toEqual({
      address: peer,
      incarnation: 0,
      isAlive: false,
      atMs: 15,
    });
  });

  it("forgets probe results after their retention", () => {
    const registry = createSeedRegistry(
      { seedId: a, seeds: [a], probeResultRetentionMs: 1_000, maxProbeResults: 2 },
      deps,
    );
    for (const [index, address] of ["10.1.0.1:1", "10.1.0.2:1", "10.1.0.3:1"].entries()) {
      registry.step({
        type: "probe-result",
        now: index,
        address,
        incarnation: 0,
        isAlive: true,
        atMs: index,
      });
    }
    expect(registry.inspect().probeResults).toBe(2);
    registry.step({ type: "tick", now: 5_000 });
    expect(registry.inspect().probeResults).toBe(0);
  });

  it("with ownRecordsOnly, refuses a change to someone else's record", () => {
    const registry = createSeedRegistry({ seedId: a, seeds: [a], ownRecordsOnly: true }, deps);
    const outputs = registry.step({
      type: "receive",
      now: 0,
      from: "10.9.9.9:6000",
      message: { type: "quorum.leave-request", requestId: "l", address: peer, incarnation: 0 },
    });
    expect(outputs).toEqual([
      {
        type: "emit",
        event: {
          type: "request-refused",
          from: "10.9.9.9:6000",
          request: "quorum.leave-request",
          address: peer,
          code: "NOT_OWN_RECORD",
        },
      },
      {
        type: "send",
        to: "10.9.9.9:6000",
        message: {
          type: "quorum.operation-response",
          requestId: "l",
          ok: false,
          record: null,
          error: { code: "NOT_OWN_RECORD", message: `10.9.9.9:6000 may not change ${peer}` },
        },
      },
    ]);
  });

  it("with the link's proven key, a record's key is changed by no one else (KEY_MISMATCH)", () => {
    const registry = createSeedRegistry({ seedId: a, seeds: [a], ownRecordsOnly: true }, deps);
    const [owner, other] = ["11".repeat(32), "22".repeat(32)];
    const answer = (outputs: readonly SeedRegistryOutput[]) =>
      outputs.flatMap((output) =>
        output.type === "send" && "error" in output.message
          ? [output.message.error?.code ?? "ok"]
          : [],
      );
    const request = (message: QuorumMessage, fromKey: string, now: number) =>
      answer(registry.step({ type: "receive", now, from: peer, message, fromKey }));
    // The first registration binds the proven key (the request names none).
    expect(
      request({ type: "quorum.register-request", requestId: "r1", address: peer }, owner, 0),
    ).toEqual(["ok"]);
    expect(registry.list()[0]?.record.publicKey).toBe(owner);
    // A registration that names a key other than the proven one.
    expect(
      request(
        { type: "quorum.register-request", requestId: "r2", address: peer, publicKey: other },
        owner,
        1,
      ),
    ).toEqual(["KEY_MISMATCH"]);
    // Another key at the same address: no re-registration, leave or neighbour update.
    expect(
      request({ type: "quorum.register-request", requestId: "r3", address: peer }, other, 2),
    ).toEqual(["KEY_MISMATCH"]);
    expect(
      request(
        { type: "quorum.leave-request", requestId: "l1", address: peer, incarnation: 0 },
        other,
        3,
      ),
    ).toEqual(["KEY_MISMATCH"]);
    expect(
      request(
        { type: "quorum.update-neighbours", requestId: "u1", address: peer, neighbours: [] },
        other,
        4,
      ),
    ).toEqual(["KEY_MISMATCH"]);
    expect(registry.list()[0]?.record).toMatchObject({ status: "alive", publicKey: owner });
    // The owner itself may leave; after that the address may be registered with a new key.
    expect(
      request(
        { type: "quorum.leave-request", requestId: "l2", address: peer, incarnation: 0 },
        owner,
        5,
      ),
    ).toEqual(["ok"]);
    expect(
      request({ type: "quorum.register-request", requestId: "r4", address: peer }, other, 6),
    ).toEqual(["ok"]);
    expect(registry.list()[0]?.record).toMatchObject({ status: "alive", publicKey: other });
  });
});
