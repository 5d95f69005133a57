import { describe, expect, it } from "vitest";
import { directoryInputs } from "./directory.js";
import { createLiveness } from "./liveness.js";
import type { Liveness, LivenessOutput } from "./liveness-types.js";
import type { LivenessMessage } from "./messages.js";
import { createEd25519Signer, keyPairFromSeed } from "./vote.js";

// Removed members are remembered per incarnation and within a limit; the probes a peer runs for
// other peers' vote requests are bounded too. Everything is observed through step and inspect.

const random = { next: () => 0 };
const sign = createEd25519Signer(keyPairFromSeed(new Uint8Array(32).fill(1)).secretKey).sign;
const fast = {
  pingIntervalMs: 1000,
  pingTimeoutMs: 300,
  probeIntervalMs: 100,
  probeTimeoutMs: 300,
  voteRetryMs: 300,
};
const self = "10.0.0.1:1";
const suspect = "10.0.0.2:1";
const rejoiner = "10.0.0.3:1";
const requester = "10.0.0.9:1";

const sends = (outputs: readonly LivenessOutput[]) =>
  outputs.flatMap((o) => (o.type === "send" ? [o] : []));
const voteRequestsTo = (outputs: readonly LivenessOutput[]) =>
  sends(outputs)
    .filter((s) => s.message.type === "liveness.vote-request")
    .map((s) => s.to);
const ping: LivenessMessage = { type: "liveness.ping", sequence: 1, sentAtMs: 0 };
const request = (about: string): LivenessMessage => ({
  type: "liveness.vote-request",
  suspect: about,
  incarnation: 0,
  round: "00000000000000a1",
});

/** Ticks at each deadline until `suspect` is suspected; `alive` pings this peer every tick. */
function untilSuspected(machine: Liveness, alive: readonly string[]): LivenessOutput[] {
  const all: LivenessOutput[] = [];
  let now = 0;
  while (!machine.inspect().suspicions.includes(suspect) && now < 20_000) {
    now = machine.nextDeadline() ?? now + 1;
    for (const from of alive) machine.step({ type: "receive", now, from, message: ping });
    all.push(...machine.step({ type: "tick", now }));
  }
  return all;
}

describe("removed members", () => {
  it("counts a member removed by mistake as a voter again once it rejoins under a higher incarnation", () => {
    const machine = createLiveness({ self, ...fast }, { random, sign });
    machine.step({ type: "neighbours", now: 0, neighbours: [suspect, rejoiner] });
    machine.step({ type: "member-removed", now: 0, address: rejoiner, incarnation: 0 });
    // A stale record of the removed incarnation changes nothing: it stays excluded.
    machine.step({
      type: "member-neighbours",
      now: 0,
      address: rejoiner,
      incarnation: 0,
      neighbours: [self, suspect],
    });
    expect(machine.inspect().memberNeighbourLists).toBe(0);
    // It re-registered under incarnation 1: a new member, linked to us and to the suspect.
    machine.step({ type: "neighbours", now: 0, neighbours: [suspect, rejoiner] });
    machine.step({
      type: "member-neighbours",
      now: 0,
      address: rejoiner,
      incarnation: 1,
      neighbours: [self, suspect],
    });
    machine.step({
      type: "member-neighbours",
      now: 0,
      address: suspect,
      incarnation: 0,
      neighbours: [self, rejoiner],
    });
    expect(machine.inspect().memberNeighbourLists).toBe(2);
    expect(machine.inspect().removedMembers).toBe(1); // remembered, but no longer excluded
    expect(voteRequestsTo(untilSuspected(machine, [rejoiner]))).toContain(rejoiner);
  });

  it("readmits a rejoined neighbour of a suspect from a directory snapshot, not from a stale one", () => {
    const record = (address: string, neighbours: string[], status = "alive", incarnation = 0) => ({
      address,
      status,
      incarnation,
      neighbours,
    });
    const snapshot = (rejoinerRecord: ReturnType<typeof record>) => [
      record(self, [suspect]),
      record(suspect, [self, rejoiner]),
      rejoinerRecord,
    ];
    const feed = (machine: Liveness, records: ReturnType<typeof snapshot>, now: number) => {
      const context = { self, neighbours: [suspect], suspects: [suspect], now };
      return directoryInputs(records, context).flatMap((input) => [...machine.step(input)]);
    };

    const machine = createLiveness({ self, ...fast }, { random, sign });
    machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
    // While the suspect is suspected, a snapshot shows its other neighbour removed.
    const suspecting = untilSuspected(machine, []);
    expect(voteRequestsTo(suspecting)).toEqual([]);
    const now = machine.nextDeadline() as number;
    feed(machine, snapshot(record(rejoiner, [suspect], "dead", 0)), now);
    // A snapshot that still lists the removed incarnation alive does not bring it back.
    expect(voteRequestsTo(feed(machine, snapshot(record(rejoiner, [suspect])), now))).toEqual([]);
    // It rejoined under incarnation 1 (and re-linked to the suspect): it is asked to vote.
    const rejoined = feed(machine, snapshot(record(rejoiner, [suspect], "alive", 1)), now);
    expect(voteRequestsTo(rejoined)).toEqual([rejoiner]);
  });

  it("ignores a removal of an older incarnation than the one it readmitted", () => {
    const machine = createLiveness({ self, ...fast }, { random, sign });
    machine.step({ type: "member-removed", now: 0, address: rejoiner, incarnation: 0 });
    machine.step({ type: "member-alive", now: 0, address: rejoiner, incarnation: 1 });
    machine.step({ type: "neighbours", now: 0, neighbours: [rejoiner] });
    const late = machine.step({
      type: "member-removed",
      now: 0,
      address: rejoiner,
      incarnation: 0,
    });
    expect(late).toEqual([]);
    expect(machine.inspect().neighbours.map((n) => n.address)).toEqual([rejoiner]);
  });

  it("keeps at most maxRemovedMembers, forgetting the least recently removed first", () => {
    const limit = 8;
    const machine = createLiveness({ self, ...fast, maxRemovedMembers: limit }, { random, sign });
    const address = (index: number) => `10.0.1.${index}:1`;
    for (let index = 0; index < limit * 10; index++) {
      machine.step({ type: "member-removed", now: index, address: address(index), incarnation: 0 });
      expect(machine.inspect().removedMembers).toBeLessThanOrEqual(limit);
    }
    expect(machine.inspect().removedMembers).toBe(limit);
    const list = (index: number) => ({
      type: "member-neighbours" as const,
      now: 100,
      address: address(index),
      incarnation: 0,
      neighbours: [self],
    });
    // The latest removed are still excluded: their lists are not taken.
    machine.step(list(limit * 10 - 1));
    expect(machine.inspect().memberNeighbourLists).toBe(0);
    // The first one was forgotten: its list is taken again.
    machine.step(list(0));
    expect(machine.inspect().memberNeighbourLists).toBe(1);
  });
});

describe("vote probes", () => {
  const many = (count: number, base: number) =>
    Array.from({ length: count }, (_, index) => `10.0.${base}.${index}:1`);
  /** Ticks at each deadline until `until`. */
  const run = (machine: Liveness, from: number, until: number) => {
    const outputs: LivenessOutput[] = [];
    for (let at = machine.nextDeadline(); at !== undefined && at <= until; ) {
      outputs.push(...machine.step({ type: "tick", now: Math.max(from, at) }));
      at = machine.nextDeadline();
    }
    return outputs;
  };

  it("probes at most maxVoteProbes suspects at once and refuses (counts) the rest", () => {
    const limit = 4;
    const suspects = many(limit * 10, 2);
    const machine = createLiveness({ self, ...fast, maxVoteProbes: limit }, { random, sign });
    machine.step({ type: "neighbours", now: 0, neighbours: suspects });
    for (const about of suspects) {
      machine.step({ type: "receive", now: 0, from: requester, message: request(about) });
      expect(machine.inspect().probing.length).toBeLessThanOrEqual(limit);
    }
    expect(machine.inspect().probing).toHaveLength(limit);
    expect(machine.inspect().counters.voteRequestsRefused).toBe(limit * 9);
    // The probes end (dead votes after the timeout) and every entry goes.
    const votes = sends(run(machine, 0, 900)).filter((s) => s.message.type === "liveness.vote");
    expect(votes).toHaveLength(limit);
    expect(machine.inspect().probing).toEqual([]);
    // A refused request asked again later finds room.
    const later = suspects[limit * 10 - 1] as string;
    machine.step({ type: "receive", now: 900, from: requester, message: request(later) });
    expect(machine.inspect().probing).toEqual([later]);
  });

  it("keeps at most maxVoteProbes cached verdicts", () => {
    const limit = 4;
    const suspects = many(limit * 10, 3);
    const machine = createLiveness({ self, ...fast, maxVoteProbes: limit }, { random, sign });
    machine.step({ type: "neighbours", now: 0, neighbours: suspects });
    for (const about of suspects) {
      machine.step({ type: "receive", now: 0, from: requester, message: request(about) });
      machine.step({ type: "receive", now: 0, from: about, message: ping }); // alive at once
      expect(machine.inspect().cachedVerdicts).toBeLessThanOrEqual(limit);
    }
    expect(machine.inspect().probing).toEqual([]);
    expect(machine.inspect().cachedVerdicts).toBe(limit);
  });

  it("signs votes about one suspect for at most maxVoteRequesters requesters per probe and cache window", () => {
    const limit = 4;
    const requesters = many(limit * 10, 4);
    const machine = createLiveness({ self, ...fast, maxVoteRequesters: limit }, { random, sign });
    machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
    for (const from of requesters) {
      machine.step({ type: "receive", now: 0, from, message: request(suspect) });
    }
    const votes = sends(run(machine, 0, 900)).filter((s) => s.message.type === "liveness.vote");
    expect(new Set(votes.map((v) => v.to)).size).toBe(limit);
    // Within voteCacheMs, new requesters get no further signature.
    const cast = machine.inspect().counters.votesCast;
    const more = many(limit * 10, 5);
    for (const from of more) {
      machine.step({ type: "receive", now: 900, from, message: request(suspect) });
    }
    expect(machine.inspect().counters.votesCast).toBe(cast);
    expect(machine.inspect().counters.voteRequestsRefused).toBe(limit * 9 + limit * 10);
  });
});
