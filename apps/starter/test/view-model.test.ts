import type { MembersReport, SeedAnswer } from "@p2p/cli-support";
import { compareViews } from "@p2p/cli-support";
import { MIN_NODES_FOR_FIT } from "@p2p/topology";
import { describe, expect, it } from "vitest";
import { createViewModel, deadNodeAddress } from "../src/view/index.js";

type Entry = Extract<SeedAnswer, { ok: true }>["members"][number];
type Status = Entry["record"]["status"];

const member = (
  address: string,
  status: Status,
  incarnation: number,
  neighbours: readonly string[] = [],
): Entry => ({
  record: { address, status, incarnation, neighbours: [...neighbours], changedAt: 0 },
  version: 1,
});

const answer = (seed: string, members: readonly Entry[]): SeedAnswer => ({
  seed,
  ok: true,
  members,
});

const silent = (seed: string): SeedAnswer => ({ seed, ok: false, error: "unreachable" });

const report = (...answers: SeedAnswer[]): MembersReport => ({
  answers,
  ...compareViews(answers),
});

const SEEDS = ["127.0.0.1:5000", "127.0.0.1:5001", "127.0.0.1:5002"] as const;
const [S0, S1, S2] = SEEDS;
const A = "127.0.0.1:6000";
const B = "127.0.0.1:6001";
const C = "127.0.0.1:6002";

/** Every seed lists the same members. */
const everySeed = (...members: Entry[]): MembersReport =>
  report(...SEEDS.map((seed) => answer(seed, members)));

describe("view model", () => {
  it("reports joins, removals, leaves and rejoins between polls", () => {
    let clock = 1_000;
    const model = createViewModel({ now: () => clock });
    const first = model.update(everySeed(member(A, "alive", 0, [B]), member(B, "alive", 0, [A])));
    expect(first.map((event) => [event.type, event.address])).toEqual([
      ["member-joined", A],
      ["member-joined", B],
    ]);
    expect(model.update(everySeed(member(A, "alive", 0, [B]), member(B, "alive", 0, [A])))).toEqual(
      [],
    );

    clock = 2_000;
    const second = model.update(
      everySeed(member(A, "alive", 0, [C]), member(B, "dead", 0), member(C, "alive", 0, [A])),
    );
    expect(second.map((event) => [event.type, event.address, event.atMs])).toEqual([
      ["member-removed", B, 2_000],
      ["member-joined", C, 2_000],
    ]);

    const third = model.update(
      everySeed(member(A, "left", 0), member(B, "alive", 1), member(C, "alive", 0)),
    );
    expect(third.map((event) => [event.type, event.address])).toEqual([
      ["member-left", A],
      ["member-rejoined", B],
    ]);
    const state = model.snapshot();
    expect(state.members.map((entry) => [entry.address, entry.status, entry.incarnation])).toEqual([
      [A, "left", 0],
      [B, "alive", 1],
      [C, "alive", 0],
    ]);
    expect(state.events.map((event) => event.id)).toEqual([1, 2, 3, 4, 5, 6]);
  });

  it("does not report removals that happened before the first poll", () => {
    const model = createViewModel();
    const events = model.update(everySeed(member(A, "alive", 0), member(B, "dead", 0)));
    expect(events.map((event) => event.type)).toEqual(["member-joined"]);
  });

  it("tells which seeds answer and agree, and merges the most advanced record", () => {
    const model = createViewModel();
    model.update(everySeed(member(A, "alive", 0, [B]), member(B, "alive", 0, [A])));
    // S1 already removed B, S0 has not heard yet, S2 does not answer.
    const events = model.update(
      report(
        answer(S0, [member(A, "alive", 0, [B]), member(B, "alive", 0, [A])]),
        answer(S1, [member(A, "alive", 0, [B]), member(B, "dead", 0)]),
        silent(S2),
      ),
    );
    expect(events.map((event) => [event.type, event.address])).toEqual([
      ["seed-silent", S2],
      ["member-removed", B],
    ]);
    const state = model.snapshot();
    expect(state.agreement).toEqual({
      isAgreed: false,
      answered: 2,
      total: 3,
      disagreements: [B],
    });
    expect(state.seeds.map((seed) => [seed.address, seed.isAnswering, seed.isAgreeing])).toEqual([
      [S0, true, false],
      [S1, true, true],
      [S2, false, false],
    ]);
    const merged = state.members.find((entry) => entry.address === B);
    expect(merged).toMatchObject({ status: "dead", isAgreed: false, degree: 0 });
    expect(state.edges).toEqual([]);

    const back = model.update(everySeed(member(A, "alive", 0), member(B, "dead", 0)));
    expect(back.map((event) => [event.type, event.address])).toEqual([["seed-answering", S2]]);
    expect(model.snapshot().agreement.isAgreed).toBe(true);
    expect(model.snapshot().seeds.every((seed) => seed.isAgreeing)).toBe(true);
  });

  it("builds the overlay and its degrees from the alive members", () => {
    const model = createViewModel();
    model.update(
      everySeed(
        member(A, "alive", 0, [B, C]),
        member(B, "alive", 0, [A]),
        member(C, "alive", 0, [A, "127.0.0.1:6009"]),
      ),
    );
    const state = model.snapshot();
    expect(state.edges).toEqual([
      [A, B],
      [A, C],
    ]);
    expect(state.members.map((entry) => entry.degree)).toEqual([2, 1, 1]);
    expect(state.degrees.histogram).toEqual([
      { degree: 1, count: 2 },
      { degree: 2, count: 1 },
    ]);
    expect(state.degrees.fit.isMeaningful).toBe(false);
    expect(state.degrees.fit.text).toContain("not meaningful yet");
  });

  it("fits a power law once there are enough linked peers", () => {
    const model = createViewModel();
    const hub = "127.0.0.1:7000";
    const spokes = Array.from({ length: MIN_NODES_FOR_FIT + 5 }, (_, i) => `127.0.0.1:${7001 + i}`);
    model.update(
      everySeed(
        member(hub, "alive", 0, spokes),
        ...spokes.map((spoke, i) =>
          member(
            spoke,
            "alive",
            0,
            i % 3 === 0 ? [hub, spokes[(i + 1) % spokes.length] ?? hub] : [hub],
          ),
        ),
      ),
    );
    const { fit } = model.snapshot().degrees;
    expect(fit.isMeaningful).toBe(true);
    expect(fit.text).toMatch(/^power law: α = /);
  });

  it("takes pushed Dead Node lines and other events", () => {
    const model = createViewModel({ now: () => 5 });
    const line = `2026-01-01T00:00:00.000Z [peer ${A}] Dead Node:${B}:1767225600000:127.0.0.1`;
    expect(model.push(line)).toEqual({
      id: 1,
      atMs: 5,
      type: "dead-node",
      address: B,
      text: `Dead Node:${B}:1767225600000:127.0.0.1`,
    });
    expect(model.push("   ")).toBeUndefined();
    expect(model.push({ type: "note", text: "network up" })).toMatchObject({ id: 2, type: "note" });
    expect(model.snapshot().events).toHaveLength(2);
  });

  it("finds the dead node's address in IPv4 and IPv6 lines", () => {
    expect(deadNodeAddress("Dead Node:10.0.0.5:6001:1700000000000:10.0.0.4")).toBe("10.0.0.5:6001");
    expect(deadNodeAddress("x Dead Node:[::1]:6001:1700000000000:::1")).toBe("[::1]:6001");
    expect(deadNodeAddress("received from 10.0.0.5:6001: hello")).toBeUndefined();
  });
});
