import { err, ok, P2pError } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createAcceptor, type TransitionValidator } from "./acceptor.js";
import type { AcceptMessage, MemberRecord, PrepareMessage } from "./messages.js";

const key = "10.9.0.1:7000";
const record = (incarnation: number): MemberRecord => ({
  address: key,
  status: "alive",
  incarnation,
  neighbours: [],
  changedAt: 0,
});
const allowAll: TransitionValidator = () => ok(undefined);
const prepare = (counter: number, proposer = "a"): PrepareMessage => ({
  type: "quorum.prepare",
  requestId: `p${counter}`,
  key,
  ballot: { counter, proposer },
});
const accept = (
  counter: number,
  value: MemberRecord | null,
  nextCounter: number | null = null,
  proposer = "a",
): AcceptMessage => ({
  type: "quorum.accept",
  requestId: `a${counter}`,
  key,
  ballot: { counter, proposer },
  value,
  operations: [`op${counter}`],
  nextBallot: nextCounter === null ? null : { counter: nextCounter, proposer },
});

describe("createAcceptor", () => {
  it("promises a higher ballot, persisting before the reply", () => {
    const acceptor = createAcceptor(allowAll);
    const outputs = acceptor.prepare(prepare(1));
    expect(outputs.map((output) => output.type)).toEqual(["persist", "reply"]);
    expect(outputs[1]).toMatchObject({
      message: { type: "quorum.promise", ok: true, accepted: null },
    });
  });

  it("refuses a lower ballot and tells the proposer what it promised", () => {
    const acceptor = createAcceptor(allowAll);
    acceptor.prepare(prepare(5, "b"));
    const outputs = acceptor.prepare(prepare(4, "z"));
    expect(outputs).toEqual([
      {
        type: "reply",
        message: expect.objectContaining({ ok: false, promised: { counter: 5, proposer: "b" } }),
      },
    ]);
    // same counter, lower proposer id: also lower
    expect(acceptor.prepare(prepare(5, "a"))[0]).toMatchObject({ message: { ok: false } });
  });

  it("returns the accepted value with its ballot in later promises", () => {
    const acceptor = createAcceptor(allowAll);
    acceptor.prepare(prepare(1));
    acceptor.accept(accept(1, record(0)));
    const outputs = acceptor.prepare(prepare(2, "b"));
    expect(outputs[1]).toMatchObject({
      message: {
        ok: true,
        accepted: { ballot: { counter: 1, proposer: "a" }, value: record(0), operations: ["op1"] },
      },
    });
  });

  it("refuses an accept below its promise", () => {
    const acceptor = createAcceptor(allowAll);
    acceptor.prepare(prepare(3, "b"));
    const outputs = acceptor.accept(accept(2, record(0)));
    expect(outputs).toHaveLength(1);
    expect(outputs[0]).toMatchObject({ message: { type: "quorum.accepted", ok: false } });
    expect(acceptor.state(key)?.accepted).toBeNull();
  });

  it("refuses a transition its validator rejects, with the reason, and keeps its state", () => {
    const refuse: TransitionValidator = () => err(new P2pError("TRANSITION_INVALID", "no way"));
    const acceptor = createAcceptor(refuse);
    acceptor.prepare(prepare(1));
    const before = acceptor.state(key);
    const outputs = acceptor.accept(accept(1, record(0)));
    expect(outputs).toEqual([
      { type: "reply", message: expect.objectContaining({ ok: false, reason: "no way" }) },
    ]);
    expect(acceptor.state(key)).toEqual(before);
  });

  it("promises the piggybacked next ballot when it accepts (one-round-trip path)", () => {
    const acceptor = createAcceptor(allowAll);
    acceptor.prepare(prepare(1));
    acceptor.accept(accept(1, record(0), 2));
    expect(acceptor.state(key)?.promised).toEqual({ counter: 2, proposer: "a" });
    // the next accept at the promised ballot needs no prepare
    const outputs = acceptor.accept(accept(2, record(1), 3));
    expect(outputs.map((output) => output.type)).toEqual(["persist", "reply"]);
    expect(acceptor.state(key)?.accepted?.value).toEqual(record(1));
    // another proposer's lower ballot is now refused
    expect(acceptor.prepare(prepare(2, "0"))[0]).toMatchObject({ message: { ok: false } });
  });

  it("refuses a next ballot that is not a later ballot of the same proposer", () => {
    const acceptor = createAcceptor(allowAll);
    const message = { ...accept(1, record(0)), nextBallot: { counter: 9, proposer: "z" } };
    expect(acceptor.accept(message)[0]).toMatchObject({ message: { ok: false } });
  });

  it("answers a duplicate accept again without writing", () => {
    const acceptor = createAcceptor(allowAll);
    acceptor.prepare(prepare(1));
    acceptor.accept(accept(1, record(0)));
    const outputs = acceptor.accept(accept(1, record(0)));
    expect(outputs.map((output) => output.type)).toEqual(["reply"]);
    expect(outputs[0]).toMatchObject({ message: { ok: true } });
  });

  it("restarts from persisted state", () => {
    const first = createAcceptor(allowAll);
    const persisted = new Map();
    for (const output of [...first.prepare(prepare(7)), ...first.accept(accept(7, record(0)))]) {
      if (output.type === "persist") persisted.set(output.key, output.state);
    }
    const restarted = createAcceptor(allowAll, persisted);
    expect(restarted.prepare(prepare(6, "z"))[0]).toMatchObject({ message: { ok: false } });
    expect(restarted.prepare(prepare(8))[1]).toMatchObject({
      message: { accepted: { value: record(0) } },
    });
  });
});
