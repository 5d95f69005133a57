import { join } from "node:path";
import { createSeededRandom } from "@p2p/wire";
import { testTranscripts } from "@p2p/wire/testing";
import { numberArgument, replayTranscript, type TranscriptCommand } from "@p2p/wire/transcript";
import { describe, expect, it } from "vitest";
import { degrees } from "./graph.js";
import { liveOverlay } from "./live-overlay.js";
import {
  createOverlay,
  type DirectoryMember,
  degreesOf,
  type Overlay,
  type OverlayConfigInput,
  type OverlayInput,
  type OverlayOutput,
} from "./overlay.js";

const directory = join(import.meta.dirname, "../testdata/overlay");

/** `10.0.1.2:6000/alive/10.0.1.3:6000+10.0.1.4:6000` → a member. */
function parseMember(text: string): DirectoryMember {
  const [address = "", status = "alive", list = ""] = text.split("/");
  return { address, status, neighbours: list === "" ? [] : list.split("+") };
}

function formatOutput(output: OverlayOutput): string {
  switch (output.type) {
    case "connect":
    case "disconnect":
      return `${output.type} ${output.address}`;
    case "send":
      return `send ${output.to} ${output.message.type}`;
    case "emit": {
      const { event } = output;
      switch (event.type) {
        case "neighbours-changed":
        case "selection-finished":
          return `emit ${event.type} ${event.neighbours.join(",")}`.trimEnd();
        case "members-wanted":
          return `emit ${event.type}`;
        case "neighbour-refused":
          return `emit ${event.type} ${event.address} reason=${event.reason}`;
        case "candidate-unreachable":
          return `emit ${event.type} ${event.address}`;
      }
    }
  }
}

function replay(text: string): string {
  let overlay: Overlay | undefined;
  return replayTranscript(text, (command: TranscriptCommand) => {
    if (command.name === "config") {
      overlay = createOverlay(
        {
          self: command.args.self ?? "10.0.1.1:6000",
          targetDegree: numberArgument(command, "k", 2),
          maxDegree: numberArgument(command, "max", 64),
          maxNeighboursPerHost: numberArgument(command, "per-host", 2),
          maxAcceptsPerWindow: numberArgument(command, "rate", numberArgument(command, "max", 64)),
          acceptWindowMs: numberArgument(command, "window", 10_000),
          maxHeldRequests: numberArgument(command, "held", 64),
        },
        { random: createSeededRandom(numberArgument(command, "seed", 1)) },
      );
      return [];
    }
    if (overlay === undefined) throw new Error("no config line before the first command");
    if (command.name === "state") {
      const view = overlay.inspect();
      return [
        `started=${view.isStarted} neighbours=${view.neighbours.join(",")} pending=${view.pending.join(",")} held=${view.held.join(",")} accepted=${view.acceptedInWindow}`,
      ];
    }
    const now = numberArgument(command, "now");
    const address = command.args.address ?? command.args.from ?? "";
    const input = ((): OverlayInput => {
      switch (command.name) {
        case "members":
          return { type: "members", now, members: command.positional.map(parseMember) };
        case "request":
          return { type: "receive", now, from: address, message: { type: "node.neighbour" } };
        case "refused":
          return {
            type: "receive",
            now,
            from: address,
            message: { type: "node.neighbour-refused" },
          };
        case "connected":
        case "unreachable":
          return { type: command.name, now, address };
        case "lost":
          return { type: "neighbour-lost", now, address };
        default:
          throw new Error(`unknown command ${command.name}`);
      }
    })();
    return overlay.step(input).map(formatOutput);
  });
}

describe("overlay transcripts (testdata/overlay)", () => {
  testTranscripts(directory, replay);
});

describe("degreesOf", () => {
  it("counts each undirected link between live members once", () => {
    const degrees = degreesOf([
      parseMember("a:1/alive/b:1+c:1"),
      parseMember("b:1/alive/a:1"),
      parseMember("c:1/dead/a:1"),
      parseMember("d:1/alive/b:1"),
    ]);
    expect([...degrees]).toEqual([
      ["a:1", 1],
      ["b:1", 2],
      ["d:1", 1],
    ]);
  });
});

describe("degreesOf", () => {
  it("gives the degrees of liveOverlay's graph, for random directories", () => {
    for (let seed = 1; seed <= 50; seed++) {
      const random = createSeededRandom(seed);
      const pick = (count: number) => Math.floor(random.next() * count);
      const size = 1 + pick(40);
      const address = (index: number) => `10.0.${index}.1:6000`;
      // Dead members, self-links, duplicates, links to unlisted addresses and repeated entries.
      const members: DirectoryMember[] = Array.from({ length: size + pick(3) }, () => {
        const self = pick(size);
        return {
          address: address(self),
          status: random.next() < 0.2 ? "dead" : "alive",
          neighbours: Array.from({ length: pick(6) }, () =>
            random.next() < 0.1 ? address(self) : address(pick(size + 5)),
          ),
        };
      });
      const overlay = liveOverlay(members.filter((member) => member.status === "alive"));
      const counts = degrees(overlay.graph);
      const expected = overlay.names.map((name, index) => [name, counts[index]]);
      expect([...degreesOf(members)], `seed ${seed}`).toEqual(expected);
    }
  });
});

describe("createOverlay", () => {
  it("rejects a cap below the target degree", () => {
    expect(() =>
      createOverlay(
        { self: "a:1", targetDegree: 3, maxDegree: 2 },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(/overlay config: maxDegree: must be at least targetDegree/);
  });

  it("names each invalid acceptance field", () => {
    expect(() =>
      createOverlay(
        {
          self: "a:1",
          maxNeighboursPerHost: 0,
          maxAcceptsPerWindow: 1.5,
          acceptWindowMs: 0,
          maxHeldRequests: -1,
        },
        { random: createSeededRandom(1) },
      ),
    ).toThrow(
      /maxNeighboursPerHost[\s\S]*maxAcceptsPerWindow[\s\S]*acceptWindowMs[\s\S]*maxHeldRequests/,
    );
  });

  it("applies the acceptance defaults", () => {
    const { config } = createOverlay({ self: "a:1" }, { random: createSeededRandom(1) });
    expect(config).toMatchObject({
      maxDegree: 64,
      maxNeighboursPerHost: 2,
      maxAcceptsPerWindow: 64,
      acceptWindowMs: 10_000,
      maxHeldRequests: 64,
    });
    const wider = createOverlay({ self: "a:1", maxDegree: 100 }, { random: createSeededRandom(1) });
    expect(wider.config.maxAcceptsPerWindow).toBe(100);
  });
});

/** A member record for the unit tests: alive (by default) with no advertised neighbours. */
function member(address: string, status = "alive"): DirectoryMember {
  return { address, status, neighbours: [] };
}

const request = (now: number, from: string): OverlayInput => ({
  type: "receive",
  now,
  from,
  message: { type: "node.neighbour" },
});

const refusalsIn = (outputs: readonly OverlayOutput[]) =>
  outputs.flatMap((output) =>
    output.type === "emit" && output.event.type === "neighbour-refused"
      ? [`${output.event.address} ${output.event.reason}`]
      : [],
  );

/** A peer at 10.0.1.1:6000 whose own picks 10.0.1.2-4 are connected: it has three neighbours. */
function peerWithThreeNeighbours(
  extraMembers: readonly DirectoryMember[],
  config: Partial<OverlayConfigInput> = {},
): Overlay {
  const overlay = createOverlay(
    { self: "10.0.1.1:6000", targetDegree: 3, ...config },
    { random: createSeededRandom(7) },
  );
  const own = ["10.0.1.2:6000", "10.0.1.3:6000", "10.0.1.4:6000"];
  overlay.step({ type: "members", now: 0, members: own.map((address) => member(address)) });
  for (const address of own) overlay.step({ type: "connected", now: 1, address });
  overlay.step({
    type: "members",
    now: 2,
    members: [...own.map((address) => member(address)), ...extraMembers],
  });
  expect(overlay.inspect().neighbours).toEqual(own);
  return overlay;
}

describe("who may become my neighbour", () => {
  it("four self-made identities from one host ask a peer that has three neighbours: at most maxNeighboursPerHost of them are accepted", () => {
    const sybils = ["10.0.7.1:6001", "10.0.7.1:6002", "10.0.7.1:6003", "10.0.7.1:6004"];
    const overlay = peerWithThreeNeighbours(
      sybils.map((address) => member(address)),
      { maxNeighboursPerHost: 2 },
    );
    const refusals = sybils.flatMap((address, index) =>
      refusalsIn(overlay.step(request(10 + index, address))),
    );
    const accepted = overlay.inspect().neighbours.filter((address) => sybils.includes(address));
    expect(accepted, "sybils accepted").toHaveLength(2);
    expect(accepted).toEqual(["10.0.7.1:6001", "10.0.7.1:6002"]);
    expect(refusals).toEqual(["10.0.7.1:6003 host-cap", "10.0.7.1:6004 host-cap"]);
  });

  it("a request from an address not in the directory is refused", () => {
    const overlay = peerWithThreeNeighbours([]);
    const outputs = overlay.step(request(10, "10.0.9.9:6000"));
    expect(overlay.inspect().neighbours).not.toContain("10.0.9.9:6000");
    // The requester may have registered after our snapshot: the request waits for a fresh one.
    expect(outputs).toContainEqual({ type: "emit", event: { type: "members-wanted" } });
    const judged = overlay.step({
      type: "members",
      now: 20,
      members: ["10.0.1.2:6000", "10.0.1.3:6000", "10.0.1.4:6000"].map((address) =>
        member(address),
      ),
    });
    expect(judged).toContainEqual({
      type: "send",
      to: "10.0.9.9:6000",
      message: { type: "node.neighbour-refused" },
    });
    expect(refusalsIn(judged)).toEqual(["10.0.9.9:6000 not-member"]);
    expect(overlay.inspect().neighbours).not.toContain("10.0.9.9:6000");
  });

  it("accepts a held request once a snapshot shows the requester alive", () => {
    const overlay = peerWithThreeNeighbours([]);
    const outputs = overlay.step(request(10, "10.0.9.9:6000"));
    expect(outputs).toEqual([{ type: "emit", event: { type: "members-wanted" } }]);
    expect(overlay.inspect().held).toEqual(["10.0.9.9:6000"]);
    // A second request while the snapshot is on its way does not ask again.
    expect(overlay.step(request(11, "10.0.9.8:6000"))).toEqual([]);
    const judged = overlay.step({
      type: "members",
      now: 20,
      members: [
        ...["10.0.1.2:6000", "10.0.1.3:6000", "10.0.1.4:6000"].map((address) => member(address)),
        member("10.0.9.9:6000"),
        member("10.0.9.8:6000", "dead"),
      ],
    });
    expect(overlay.inspect().neighbours).toContain("10.0.9.9:6000");
    expect(refusalsIn(judged)).toEqual(["10.0.9.8:6000 not-member"]);
    expect(overlay.inspect().held).toEqual([]);
  });

  it("holds at most maxHeldRequests requests and refuses the rest (held-full)", () => {
    const overlay = peerWithThreeNeighbours([], { maxHeldRequests: 2 });
    const refusals = ["10.0.9.1:6000", "10.0.9.2:6000", "10.0.9.3:6000", "10.0.9.4:6000"].flatMap(
      (address, index) => refusalsIn(overlay.step(request(10 + index, address))),
    );
    expect(overlay.inspect().held).toEqual(["10.0.9.1:6000", "10.0.9.2:6000"]);
    expect(refusals).toEqual(["10.0.9.3:6000 held-full", "10.0.9.4:6000 held-full"]);
    // Repeating a held request neither counts twice nor is refused.
    expect(overlay.step(request(20, "10.0.9.1:6000"))).toEqual([]);
  });

  it("holds requests that arrive before the first snapshot, up to maxHeldRequests", () => {
    const overlay = createOverlay(
      { self: "10.0.1.1:6000", maxHeldRequests: 1 },
      { random: createSeededRandom(1) },
    );
    expect(overlay.step(request(0, "10.0.1.2:6000"))).toEqual([]); // nothing to ask yet
    expect(refusalsIn(overlay.step(request(1, "10.0.1.3:6000")))).toEqual([
      "10.0.1.3:6000 held-full",
    ]);
    overlay.step({ type: "members", now: 2, members: [member("10.0.1.2:6000")] });
    expect(overlay.inspect().neighbours).toEqual(["10.0.1.2:6000"]);
  });

  it("accepts at most maxAcceptsPerWindow requests within acceptWindowMs (rate)", () => {
    const askers = Array.from({ length: 5 }, (_, index) => `10.0.8.${index + 1}:6000`);
    const overlay = peerWithThreeNeighbours(
      askers.map((address) => member(address)),
      { maxAcceptsPerWindow: 3, acceptWindowMs: 1_000 },
    );
    const refusals = askers
      .slice(0, 4)
      .flatMap((address, index) => refusalsIn(overlay.step(request(100 + index, address))));
    expect(refusals).toEqual(["10.0.8.4:6000 rate"]);
    expect(overlay.inspect().acceptedInWindow).toBe(3);
    // Still within the window of the first accept (at 100): refused.
    expect(refusalsIn(overlay.step(request(1_099, "10.0.8.5:6000")))).toEqual([
      "10.0.8.5:6000 rate",
    ]);
    // The first accept has left the window.
    expect(refusalsIn(overlay.step(request(1_100, "10.0.8.5:6000")))).toEqual([]);
    expect(overlay.inspect().neighbours).toContain("10.0.8.5:6000");
    expect(overlay.inspect().acceptedInWindow).toBe(3);
  });

  it("with the defaults, a burst of requests in one instant is limited by maxDegree alone, never by the rate", () => {
    const askers = Array.from(
      { length: 70 },
      (_, index) => `10.0.${8 + (index >> 6)}.${index % 64}:6000`,
    );
    const overlay = peerWithThreeNeighbours(askers.map((address) => member(address)));
    const refusals = askers.flatMap((address) => refusalsIn(overlay.step(request(10, address))));
    expect(overlay.inspect().neighbours).toHaveLength(64);
    expect(refusals).toEqual(askers.slice(61).map((address) => `${address} cap`));
  });

  it("exempts loopback hosts from the per-host cap (one machine runs a demo network)", () => {
    const local = [
      "127.0.0.1:6001",
      "127.0.0.1:6002",
      "127.0.0.1:6003",
      "[::1]:6004",
      "[::1]:6005",
    ];
    const overlay = peerWithThreeNeighbours(
      local.map((address) => member(address)),
      { maxNeighboursPerHost: 2 },
    );
    const refusals = local.flatMap((address, index) =>
      refusalsIn(overlay.step(request(10 + index, address))),
    );
    expect(refusals).toEqual([]);
    expect(overlay.inspect().neighbours).toEqual(expect.arrayContaining(local));
  });

  it("counts one IPv6 /64 as one host", () => {
    const sybils = [
      "[2001:db8:1:2::1]:6000",
      "[2001:db8:1:2::2]:6000",
      "[2001:db8:1:2:ff::3]:6000",
    ];
    const overlay = peerWithThreeNeighbours(
      [...sybils, "[2001:db8:1:3::1]:6000"].map((address) => member(address)),
      { maxNeighboursPerHost: 2 },
    );
    const refusals = [...sybils, "[2001:db8:1:3::1]:6000"].flatMap((address, index) =>
      refusalsIn(overlay.step(request(10 + index, address))),
    );
    expect(refusals).toEqual(["[2001:db8:1:2:ff::3]:6000 host-cap"]);
  });

  it("counts a candidate that asked us while we connected it once towards its host", () => {
    const overlay = createOverlay(
      { self: "10.0.1.1:6000", targetDegree: 1, maxNeighboursPerHost: 2 },
      { random: createSeededRandom(1) },
    );
    const members = ["10.0.7.1:6001", "10.0.7.1:6002"].map((address) => member(address));
    const [connect] = overlay.step({ type: "members", now: 0, members: members.slice(0, 1) });
    expect(connect).toEqual({ type: "connect", address: "10.0.7.1:6001" });
    overlay.step({ type: "members", now: 1, members });
    // 10.0.7.1:6001 is pending and now asks us too: accepted, and still one on its host.
    expect(refusalsIn(overlay.step(request(2, "10.0.7.1:6001")))).toEqual([]);
    expect(overlay.inspect()).toMatchObject({
      neighbours: ["10.0.7.1:6001"],
      pending: ["10.0.7.1:6001"],
    });
    expect(refusalsIn(overlay.step(request(3, "10.0.7.1:6002")))).toEqual([]);
  });

  it("counts the neighbours we chose towards the per-host cap", () => {
    // Our own pick 10.0.7.1:6001 is a neighbour on host 10.0.7.1: one more from there is allowed.
    const overlay = createOverlay(
      { self: "10.0.1.1:6000", targetDegree: 1, maxNeighboursPerHost: 2 },
      { random: createSeededRandom(1) },
    );
    const members = ["10.0.7.1:6001", "10.0.7.1:6002", "10.0.7.1:6003"].map((address) =>
      member(address),
    );
    const [connect] = overlay.step({ type: "members", now: 0, members: members.slice(0, 1) });
    expect(connect).toEqual({ type: "connect", address: "10.0.7.1:6001" });
    overlay.step({ type: "connected", now: 1, address: "10.0.7.1:6001" });
    overlay.step({ type: "members", now: 2, members });
    expect(refusalsIn(overlay.step(request(3, "10.0.7.1:6002")))).toEqual([]);
    expect(refusalsIn(overlay.step(request(4, "10.0.7.1:6003")))).toEqual([
      "10.0.7.1:6003 host-cap",
    ]);
  });
});

describe("topping up", () => {
  it("asks for a fresh snapshot again when a selection left it below the target", () => {
    const overlay = createOverlay(
      { self: "10.0.0.1:6000", targetDegree: 2, topUpRetryMs: 5_000 },
      { random: createSeededRandom(1) },
    );
    const members = ["10.0.0.1:6000", "10.0.0.2:6000", "10.0.0.3:6000"].map((address) =>
      parseMember(`${address}/alive`),
    );
    const picked = overlay
      .step({ type: "members", now: 0, members })
      .flatMap((output) => (output.type === "connect" ? [output.address] : []));
    expect(picked.length).toBeGreaterThan(0);
    // Every candidate unreachable (cut off, say): no neighbour, nothing left to try.
    for (const address of picked) overlay.step({ type: "unreachable", now: 100, address });
    expect(overlay.inspect().neighbours).toEqual([]);
    expect(overlay.nextDeadline()).toBe(5_100);
    const wanted = (outputs: readonly OverlayOutput[]) =>
      outputs.some((output) => output.type === "emit" && output.event.type === "members-wanted");
    expect(wanted(overlay.step({ type: "tick", now: 5_099 }))).toBe(false);
    expect(wanted(overlay.step({ type: "tick", now: 5_100 }))).toBe(true);
    expect(overlay.nextDeadline()).toBeUndefined();
  });
});

describe("joining the connected part", () => {
  it("a peer without neighbours picks only members that already have one, so newcomers that found each other form no island", () => {
    // Two established peers linked to each other and four newcomers of degree 0 (registered,
    // not yet linked): with a newcomer as its only links, this peer and that newcomer could
    // end up an island (seen on separate hosts: three newcomers, each with two neighbours,
    // all among themselves).
    const established = ["10.0.2.1:6000", "10.0.3.1:6000"];
    const newcomers = ["10.0.4.1:6000", "10.0.5.1:6000", "10.0.6.1:6000", "10.0.7.1:6000"];
    const members: DirectoryMember[] = [
      {
        address: established[0] as string,
        status: "alive",
        neighbours: [established[1] as string],
      },
      {
        address: established[1] as string,
        status: "alive",
        neighbours: [established[0] as string],
      },
      ...newcomers.map((address) => member(address)),
    ];
    for (let seed = 1; seed <= 40; seed++) {
      const overlay = createOverlay(
        { self: "10.0.1.1:6000", targetDegree: 2 },
        { random: createSeededRandom(seed) },
      );
      const picked = overlay
        .step({ type: "members", now: 0, members })
        .flatMap((output) => (output.type === "connect" ? [output.address] : []));
      expect([...picked].sort(), `seed ${seed}`).toEqual(established);
    }
  });

  it("a peer without neighbours picks among newcomers when no member has a neighbour yet", () => {
    const overlay = createOverlay(
      { self: "10.0.1.1:6000", targetDegree: 2 },
      { random: createSeededRandom(3) },
    );
    const picked = overlay
      .step({
        type: "members",
        now: 0,
        members: ["10.0.2.1:6000", "10.0.3.1:6000"].map((address) => member(address)),
      })
      .flatMap((output) => (output.type === "connect" ? [output.address] : []));
    expect(picked.sort()).toEqual(["10.0.2.1:6000", "10.0.3.1:6000"]);
  });
});
