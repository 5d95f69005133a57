import { describe, expect, it } from "vitest";
import { createLiveness } from "./liveness.js";
import type { LivenessOutput } from "./liveness-types.js";
import type { LivenessMessage } from "./messages.js";
import { createEd25519Signer, keyPairFromSeed } from "./vote.js";

const random = { next: () => 0 };
const key = (n: number) => {
  const pair = keyPairFromSeed(new Uint8Array(32).fill(n));
  return { ...pair, sign: createEd25519Signer(pair.secretKey).sign };
};
const fast = {
  pingIntervalMs: 1000,
  pingTimeoutMs: 300,
  probeIntervalMs: 100,
  probeTimeoutMs: 300,
  voteRetryMs: 300,
};
const sends = (outputs: readonly LivenessOutput[]) =>
  outputs.flatMap((o) => (o.type === "send" ? [o] : []));
const sequenceOf = (message: LivenessMessage | undefined) =>
  message !== undefined && "sequence" in message ? message.sequence : -1;
const events = (outputs: readonly LivenessOutput[]) =>
  outputs.flatMap((o) => (o.type === "emit" ? [o.event] : []));

/**
 * A voter that is a neighbour of `suspect` (a peer votes only about its own neighbours) gets
 * `request` at `now` and runs until it has voted; returns its outputs and the time it voted.
 */
function runVoter(
  voterAddress: string,
  keyIndex: number,
  suspect: string,
  now: number,
  request: LivenessMessage,
) {
  const voter = createLiveness(
    { self: voterAddress, ...fast },
    { random, sign: key(keyIndex).sign },
  );
  voter.step({ type: "neighbours", now: 0, neighbours: [suspect] });
  const outputs: LivenessOutput[] = [
    ...voter.step({ type: "receive", now, from: "10.0.0.1:1", message: request }),
  ];
  let at = now;
  while (!sends(outputs).some((s) => s.message.type === "liveness.vote") && at < now + 10_000) {
    at = Math.max(at, voter.nextDeadline() as number);
    outputs.push(...voter.step({ type: "tick", now: at }));
  }
  return { voter, outputs, at };
}

/**
 * A liveness machine of `10.0.0.1:1` with one neighbour, `10.0.0.2:1`, whose one pong (at
 * 10 ms) advertised `advertised` as its neighbours under `incarnation`.
 */
function afterOnePong(advertised: readonly string[], incarnation = 0) {
  const self = "10.0.0.1:1";
  const suspect = "10.0.0.2:1";
  const machine = createLiveness({ self, ...fast }, { random, sign: key(1).sign });
  machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
  const first = sends(machine.step({ type: "tick", now: 0 }));
  machine.step({
    type: "receive",
    now: 10,
    from: suspect,
    message: {
      type: "liveness.pong",
      sequence: sequenceOf(first[0]?.message),
      sentAtMs: 0,
      incarnation,
      neighbours: [...advertised],
    },
  });
  return { machine, self, suspect };
}

describe("createLiveness", () => {
  it("validates config: the ping timeout must be shorter than the interval", () => {
    expect(() =>
      createLiveness(
        {
          self: "10.0.0.1:1",

          pingTimeoutMs: 2000,
          pingIntervalMs: 1000,
        },
        { random, sign: key(1).sign },
      ),
    ).toThrow(/pingTimeoutMs/);
  });

  it("answers a ping with a pong echoing it and carrying its neighbour list", () => {
    const machine = createLiveness({ self: "10.0.0.1:1", ...fast }, { random, sign: key(1).sign });
    machine.step({ type: "neighbours", now: 0, neighbours: ["10.0.0.3:1", "10.0.0.2:1"] });
    const out = machine.step({
      type: "receive",
      now: 5,
      from: "10.0.0.9:1",
      message: { type: "liveness.ping", sequence: 7, sentAtMs: 3 },
    });
    expect(sends(out)).toEqual([
      {
        type: "send",
        to: "10.0.0.9:1",
        message: {
          type: "liveness.pong",
          sequence: 7,
          sentAtMs: 3,
          incarnation: 0,
          neighbours: ["10.0.0.2:1", "10.0.0.3:1"],
        },
      },
    ]);
  });

  it("suspects after 3 missed rounds, asks the suspect's other neighbours, reports with a majority", () => {
    const self = "10.0.0.1:1";
    const suspect = "10.0.0.2:1";
    const machine = createLiveness({ self, ...fast }, { random, sign: key(1).sign });
    machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
    // One pong teaches the suspect's neighbours.
    const first = sends(machine.step({ type: "tick", now: 0 }));
    const pong: LivenessMessage = {
      type: "liveness.pong",
      sequence: sequenceOf(first[0]?.message),
      sentAtMs: 0,
      incarnation: 0,
      neighbours: [self, "10.0.0.3:1", "10.0.0.4:1"],
    };
    machine.step({ type: "receive", now: 10, from: suspect, message: pong });
    const all: LivenessOutput[] = [];
    let now = 10;
    while (machine.inspect().suspicions.length === 0 && now < 10_000) {
      now = machine.nextDeadline() ?? now + 1;
      all.push(...machine.step({ type: "tick", now }));
    }
    expect(events(all).map((e) => e.type)).toEqual(["peer-suspected"]);
    const requests = sends(all).filter((s) => s.message.type === "liveness.vote-request");
    expect(requests.map((r) => r.to)).toEqual(["10.0.0.3:1", "10.0.0.4:1"]);
    // A voter's probe fails and it votes dead: with 2 of 3 neighbours the report goes out.
    const {
      voter,
      outputs: voterOut,
      at: voterNow,
    } = runVoter("10.0.0.3:1", 3, suspect, now, requests[0]!.message);
    // Five probes of the suspect (its regular pings aside), then the vote.
    expect(voter.inspect().counters.probesSent).toBe(5);
    const vote = sends(voterOut).find((s) => s.message.type === "liveness.vote");
    expect(vote?.to).toBe(self);
    const report = events(
      machine.step({ type: "receive", now: voterNow, from: "10.0.0.3:1", message: vote!.message }),
    );
    expect(report.map((e) => e.type)).toEqual(["dead-report", "neighbour-dropped"]);
    const dead = report[0];
    if (dead?.type !== "dead-report") throw new Error("expected a dead report");
    expect(dead.evidence.votes.map((v) => v.voter)).toEqual([self, "10.0.0.3:1"]);
    expect(dead.line).toMatch(/^Dead Node:10\.0\.0\.2:1:\d+:10\.0\.0\.1$/);
  });

  it("asks the seeds to begin probing at once a suspect with one other neighbour, once per suspicion", () => {
    const { machine, suspect } = afterOnePong(["10.0.0.1:1", "10.0.0.3:1"], 4);
    const all: LivenessOutput[] = [];
    let now = 10;
    while (now < 10_000) {
      now = machine.nextDeadline() ?? now + 1;
      all.push(...machine.step({ type: "tick", now }));
    }
    // Two neighbours can still report it (2 of 2), but once they drop it from their lists only
    // the seeds' own probe decides: they begin it with the suspicion, not with the report.
    expect(events(all).filter((e) => e.type === "probe-hint")).toEqual([
      { type: "probe-hint", suspect, incarnation: 4 },
    ]);
    expect(events(all)[0]?.type).toBe("peer-suspected");
    expect(events(all)[1]?.type).toBe("probe-hint");
    const voteRequests = sends(all).filter((s) => s.message.type === "liveness.vote-request");
    expect(new Set(voteRequests.map((request) => request.to))).toEqual(new Set(["10.0.0.3:1"]));
    expect(machine.inspect().counters.probeHints).toBe(1);
  });

  it("asks the seeds to probe a voter that stays silent well before the vote round ends, once per round", () => {
    // The suspect's one other neighbour (10.0.0.3:1) never answers: it may have crashed too.
    const { machine, self, suspect } = afterOnePong(["10.0.0.1:1", "10.0.0.3:1"]);
    const all: { at: number; event: ReturnType<typeof events>[number] }[] = [];
    let now = 10;
    let suspectedAt: number | undefined;
    while (now < 40_000) {
      now = machine.nextDeadline() ?? now + 1;
      for (const event of events(machine.step({ type: "tick", now }))) {
        if (event.type === "peer-suspected") suspectedAt ??= now;
        all.push({ at: now, event });
      }
    }
    if (suspectedAt === undefined) throw new Error("expected a suspicion");
    const requests = all.filter(({ event }) => event.type === "probe-request");
    const first = requests[0];
    if (first?.event.type !== "probe-request") throw new Error("expected a probe request");
    const { silentVoterMs, voteRetryMs, voteRoundTimeoutMs } = machine.config;
    expect(silentVoterMs).toBeLessThan(voteRoundTimeoutMs);
    expect(first.at - suspectedAt).toBeGreaterThanOrEqual(silentVoterMs);
    expect(first.at - suspectedAt).toBeLessThanOrEqual(silentVoterMs + voteRetryMs);
    expect(first.event.evidence.insufficientNeighbours).toBe(true);
    expect(first.event.evidence.votes.map((v) => [v.voter, v.verdict])).toEqual([[self, "dead"]]);
    expect(first.event.suspect).toBe(suspect);
    // The round goes on (the silent voter may still vote); one request per round, no report.
    const rounds = Math.ceil((now - suspectedAt) / voteRoundTimeoutMs);
    expect(requests.length).toBeGreaterThanOrEqual(rounds - 1);
    expect(requests.length).toBeLessThanOrEqual(rounds);
    expect(all.map(({ event }) => event.type)).not.toContain("dead-report");
  });

  it("one alive vote clears the suspicion", () => {
    const { machine, self, suspect } = afterOnePong(["10.0.0.1:1", "10.0.0.3:1"]);
    let now = 10;
    const suspecting: LivenessOutput[] = [];
    while (machine.inspect().suspicions.length === 0) {
      now = machine.nextDeadline() ?? now + 1;
      suspecting.push(...machine.step({ type: "tick", now }));
    }
    const request = sends(suspecting).find((s) => s.message.type === "liveness.vote-request");
    if (request?.message.type !== "liveness.vote-request") throw new Error("expected a request");
    const { round } = request.message;
    const voter = createLiveness({ self: "10.0.0.3:1", ...fast }, { random, sign: key(3).sign });
    voter.step({ type: "neighbours", now: 0, neighbours: [suspect] });
    const probe = sends(
      voter.step({
        type: "receive",
        now,
        from: self,
        message: { type: "liveness.vote-request", suspect, incarnation: 0, round },
      }),
    )[0];
    const answered = sends(
      voter.step({
        type: "receive",
        now: now + 20,
        from: suspect,
        message: {
          type: "liveness.pong",
          sequence: sequenceOf(probe?.message),
          sentAtMs: now,
          incarnation: 0,
          neighbours: [],
        },
      }),
    );
    const vote = answered.find((s) => s.message.type === "liveness.vote");
    const cleared = events(
      machine.step({ type: "receive", now: now + 30, from: "10.0.0.3:1", message: vote!.message }),
    );
    expect(cleared).toEqual([{ type: "suspicion-cleared", suspect, by: "10.0.0.3:1" }]);
    expect(machine.inspect().neighbours[0]?.misses).toBe(0);
  });

  it("tells the host when it learns it was removed while alive", () => {
    const machine = createLiveness({ self: "10.0.0.1:1" }, { random, sign: key(1).sign });
    expect(events(machine.step({ type: "member-removed", now: 0, address: "10.0.0.1:1" }))).toEqual(
      [{ type: "self-removed", incarnation: 0, nextIncarnation: 1 }],
    );
    machine.step({ type: "rejoined", now: 1, incarnation: 1 });
    expect(machine.inspect().incarnation).toBe(1);
  });

  it("ignores a late removal notice about an incarnation it has already left behind", () => {
    // Each seed sends its own notice of a removal; one can arrive after the peer has rejoined
    // (held in a queue while a link came up). Rejoining again for it would re-register the
    // record it already holds, and the incarnation would not grow.
    const machine = createLiveness({ self: "10.0.0.1:1" }, { random, sign: key(1).sign });
    machine.step({ type: "member-removed", now: 0, address: "10.0.0.1:1", incarnation: 0 });
    machine.step({ type: "rejoined", now: 1, incarnation: 1 });
    const late = { type: "member-removed", now: 2, address: "10.0.0.1:1", incarnation: 0 } as const;
    expect(events(machine.step(late))).toEqual([]);
    const current = { ...late, now: 3, incarnation: 1 };
    expect(events(machine.step(current))).toEqual([
      { type: "self-removed", incarnation: 1, nextIncarnation: 2 },
    ]);
  });

  it("takes the incarnation the seeds registered it under, and answers pings with it", () => {
    const machine = createLiveness({ self: "10.0.0.1:1" }, { random, sign: key(1).sign });
    machine.step({ type: "registered", now: 0, incarnation: 3 });
    machine.step({ type: "registered", now: 0, incarnation: 1 }); // an older answer changes nothing
    expect(machine.inspect().incarnation).toBe(3);
    const ping: LivenessMessage = { type: "liveness.ping", sequence: 1, sentAtMs: 0 };
    const answer = machine.step({ type: "receive", now: 1, from: "10.0.0.2:1", message: ping });
    expect(answer).toMatchObject([
      { type: "send", to: "10.0.0.2:1", message: { type: "liveness.pong", incarnation: 3 } },
    ]);
  });

  describe("never reports without a real majority", () => {
    const self = "10.0.0.1:1";
    const suspect = "10.0.0.2:1";
    /** A machine whose only neighbour never answers: runs until it suspects it. */
    const suspecting = (extra: Record<string, number> = {}) => {
      const machine = createLiveness(
        { self, ...fast, voteRoundTimeoutMs: 5000, ...extra },
        { random, sign: key(1).sign },
      );
      machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
      const outputs: LivenessOutput[] = [];
      let now = 0;
      while (machine.inspect().suspicions.length === 0 && now < 10_000) {
        now = machine.nextDeadline() ?? now + 1;
        outputs.push(...machine.step({ type: "tick", now }));
      }
      return { machine, outputs, now };
    };

    it("knowing none of the suspect's neighbours, asks the seeds to probe instead of reporting, and keeps the neighbour", () => {
      const { machine, outputs, now } = suspecting();
      const found = events(outputs);
      expect(found.map((e) => e.type)).toEqual(["peer-suspected", "probe-request"]);
      const request = found[1];
      if (request?.type !== "probe-request") throw new Error("expected a probe request");
      expect(request.suspect).toBe(suspect);
      expect(request.evidence.insufficientNeighbours).toBe(true);
      expect(request.evidence.votes.map((v) => [v.voter, v.verdict])).toEqual([[self, "dead"]]);
      expect(machine.inspect().neighbours.map((n) => n.address)).toEqual([suspect]);
      expect(machine.inspect().counters.reports).toBe(0);
      // Asked again once per vote round while the suspicion lasts, never a dead-report.
      const later: LivenessOutput[] = [];
      let at = now;
      while (at < now + 12_000) {
        at = machine.nextDeadline() ?? at + 1;
        later.push(...machine.step({ type: "tick", now: at }));
      }
      const types = events(later).map((e) => e.type);
      expect(types.filter((t) => t === "probe-request")).toHaveLength(2);
      expect(types).not.toContain("dead-report");
      expect(types).not.toContain("neighbour-dropped");
      // The seeds probed and removed it: now the connection goes.
      expect(events(machine.step({ type: "member-removed", now: at, address: suspect }))).toEqual([
        { type: "neighbour-dropped", address: suspect, reason: "removed" },
      ]);
    });

    it("learns the suspect's neighbours from the seeds' directory and reports only with a majority", () => {
      const machine = createLiveness({ self, ...fast }, { random, sign: key(1).sign });
      machine.step({ type: "neighbours", now: 0, neighbours: [suspect] });
      // The seeds' directory: the suspect's undirected neighbour set (it never answered a ping here).
      machine.step({
        type: "member-neighbours",
        now: 0,
        address: suspect,
        neighbours: [self, "10.0.0.3:1"],
      });
      machine.step({
        type: "member-neighbours",
        now: 0,
        address: "10.0.0.4:1",
        neighbours: [suspect, "10.0.0.9:1"],
      });
      expect(machine.inspect().memberNeighbourLists).toBe(2);
      const all: LivenessOutput[] = [];
      let now = 0;
      while (machine.inspect().suspicions.length === 0 && now < 10_000) {
        now = machine.nextDeadline() ?? now + 1;
        all.push(...machine.step({ type: "tick", now }));
      }
      expect(events(all).map((e) => e.type)).toEqual(["peer-suspected"]);
      const requests = sends(all).filter((s) => s.message.type === "liveness.vote-request");
      expect(requests.map((r) => r.to)).toEqual(["10.0.0.3:1", "10.0.0.4:1"]);
      // Three neighbours (self, .3, .4): self's vote and one more make the majority.
      const { outputs: voterOut, at: voterNow } = runVoter(
        "10.0.0.3:1",
        3,
        suspect,
        now,
        requests[0]!.message,
      );
      const vote = sends(voterOut).find((s) => s.message.type === "liveness.vote");
      const report = events(
        machine.step({
          type: "receive",
          now: voterNow,
          from: "10.0.0.3:1",
          message: vote!.message,
        }),
      );
      expect(report.map((e) => e.type)).toEqual(["dead-report", "neighbour-dropped"]);
      const dead = report[0];
      if (dead?.type !== "dead-report") throw new Error("expected a dead report");
      expect(dead.evidence.insufficientNeighbours).toBe(false);
      expect(dead.line).toMatch(/^Dead Node:10\.0\.0\.2:1:\d+:10\.0\.0\.1$/);
    });

    it("a neighbour list arriving during a suspicion widens the running vote round at once", () => {
      const { machine, now } = suspecting();
      const widened = machine.step({
        type: "member-neighbours",
        now: now + 1,
        address: suspect,
        neighbours: [self, "10.0.0.5:1", "10.0.0.6:1"],
      });
      expect(sends(widened).map((s) => [s.to, s.message.type])).toEqual([
        ["10.0.0.5:1", "liveness.vote-request"],
        ["10.0.0.6:1", "liveness.vote-request"],
      ]);
      expect(events(widened)).toEqual([]);
    });

    it("keeps at most maxMemberNeighbourLists lists, forgetting the oldest", () => {
      const machine = createLiveness(
        { self, maxMemberNeighbourLists: 3 },
        { random, sign: key(1).sign },
      );
      for (let i = 0; i < 10; i++)
        machine.step({
          type: "member-neighbours",
          now: i,
          address: `10.0.1.${i}:1`,
          neighbours: ["10.0.0.7:1"],
        });
      expect(machine.inspect().memberNeighbourLists).toBe(3);
      machine.step({ type: "member-neighbours", now: 11, address: "10.0.1.9:1", neighbours: [] });
      expect(machine.inspect().memberNeighbourLists).toBe(2);
    });
  });
});
