/**
 * Three operations that lose an update unless every acceptor keeps the promise piggybacked
 * on an accept (`nextBallot`, the one-round-trip path): a commits at ballot 1 and is promised
 * ballot 2; b changes the record; a's next operation on its promised ballot must not write
 * over b's change with the value a cached.
 */
import { describe, expect, it } from "vitest";
import { createTrio } from "./trio.js";

const peer = "10.9.0.1:7000";

describe("the one-round-trip promise", () => {
  it("a proposer's cached value never overwrites a later commit by another seed", () => {
    const trio = createTrio();
    const [a, b] = trio.seeds;
    trio.command(a, {
      type: "register",
      operationId: "1",
      address: peer,
      neighbours: ["10.8.0.1:7000"],
    });
    trio.run(1_000);
    trio.command(b, {
      type: "update-neighbours",
      operationId: "2",
      address: peer,
      neighbours: ["10.8.0.2:7000"],
    });
    trio.run(1_000);
    const second = trio.result(b, "2");
    expect(second?.ok && second.value?.neighbours).toEqual(["10.8.0.2:7000"]);
    trio.command(a, { type: "read", operationId: "3", address: peer });
    trio.run(1_000);
    const third = trio.result(a, "3");
    expect(third?.ok && third.value?.neighbours).toEqual(["10.8.0.2:7000"]);
    for (const seed of trio.seeds) {
      expect(trio.registry(seed).acceptorState(peer)?.accepted?.value?.neighbours).toEqual([
        "10.8.0.2:7000",
      ]);
    }
  });
});

describe("a request retried at another seed", () => {
  it("does not take effect there after the first seed refused it", () => {
    const trio = createTrio();
    const [a, b] = trio.seeds;
    const [keyA, keyB] = ["a".repeat(64), "b".repeat(64)];
    trio.command(a, { type: "register", operationId: "join", address: peer, publicKey: keyA });
    trio.run(500);
    const request = {
      type: "quorum.register-request",
      requestId: "r1",
      address: peer,
      publicKey: keyB,
    } as const;
    // The client asks a: refused (the record holds another key).
    trio.fromClient(a, "10.7.0.1:6000", request);
    trio.run(500);
    expect(trio.events(a)).toContainEqual(expect.objectContaining({ type: "member-registered" }));
    expect(trio.registry(a).get(peer)?.record.publicKey).toBe(keyA);
    trio.command(a, { type: "leave", operationId: "leave", address: peer, incarnation: 0 });
    trio.run(500);
    // The same request, retried at b once the record left, must not register key B now.
    trio.fromClient(b, "10.7.0.1:6000", request);
    trio.run(1_000);
    expect(trio.registry(b).get(peer)?.record).toMatchObject({ status: "left", incarnation: 0 });
  });
});
