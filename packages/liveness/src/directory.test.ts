import { describe, expect, it } from "vitest";
import { directoryInputs, linkedMembers, undirectedNeighbours } from "./directory.js";

const records = [
  { address: "a:1", status: "alive", neighbours: ["b:1", "c:1"] },
  { address: "b:1", status: "alive", neighbours: ["a:1"] },
  { address: "c:1", status: "dead", neighbours: ["a:1", "d:1"] },
  { address: "d:1", status: "alive", neighbours: ["c:1", "e:1"] },
  { address: "e:1", status: "alive", neighbours: [] },
];

describe("undirectedNeighbours", () => {
  it("counts only mutual edges: a member listing another alone does not become its neighbour", () => {
    expect(undirectedNeighbours("e:1", records)).toEqual([]); // d lists e, e does not list d
    expect(undirectedNeighbours("c:1", records)).toEqual(["a:1", "d:1"]);
    expect(undirectedNeighbours("a:1", records)).toEqual(["b:1", "c:1"]);
    expect(undirectedNeighbours("d:1", records)).toEqual(["c:1"]);
  });
});

describe("linkedMembers", () => {
  it("joins the member's own list with every live member that lists it", () => {
    expect(linkedMembers("e:1", records)).toEqual(["d:1"]);
    expect(linkedMembers("c:1", records)).toEqual(["a:1", "d:1"]);
    // c lists a but is dead: it does not count from c's side, but a lists c itself
    expect(linkedMembers("a:1", records)).toEqual(["b:1", "c:1"]);
  });
});

describe("directoryInputs", () => {
  it("feeds each neighbour's list, removes a suspect's dead neighbours and narrows its list", () => {
    const inputs = directoryInputs(records, {
      self: "b:1",
      neighbours: ["a:1"],
      suspects: ["a:1"],
      now: 7,
      wallTimeMs: 1_000,
    });
    expect(inputs).toEqual([
      {
        type: "member-neighbours",
        now: 7,
        wallTimeMs: 1_000,
        address: "a:1",
        neighbours: ["b:1", "c:1"],
      },
      { type: "member-removed", now: 7, wallTimeMs: 1_000, address: "c:1" },
      { type: "member-neighbours", now: 7, wallTimeMs: 1_000, address: "a:1", neighbours: ["b:1"] },
    ]);
  });

  it("passes record incarnations on: removed under theirs, live ones listed alive under theirs", () => {
    const withIncarnations = [
      { address: "a:1", status: "alive", incarnation: 2, neighbours: ["b:1", "c:1", "d:1"] },
      { address: "b:1", status: "alive", incarnation: 0, neighbours: ["a:1"] },
      { address: "c:1", status: "dead", incarnation: 1, neighbours: ["a:1"] },
      { address: "d:1", status: "alive", incarnation: 3, neighbours: ["a:1"] },
    ];
    const inputs = directoryInputs(withIncarnations, {
      self: "b:1",
      neighbours: ["a:1"],
      suspects: ["a:1"],
      now: 7,
    });
    expect(inputs).toEqual([
      {
        type: "member-neighbours",
        now: 7,
        address: "a:1",
        neighbours: ["b:1", "c:1", "d:1"],
        incarnation: 2,
      },
      { type: "member-removed", now: 7, address: "c:1", incarnation: 1 },
      { type: "member-alive", now: 7, address: "d:1", incarnation: 3 },
      {
        type: "member-neighbours",
        now: 7,
        address: "a:1",
        neighbours: ["b:1", "d:1"],
        incarnation: 2,
      },
    ]);
  });

  it("never removes this peer itself or a member the directory does not know", () => {
    const inputs = directoryInputs(
      [{ address: "x:1", status: "alive", neighbours: ["self:1", "ghost:1"] }],
      { self: "self:1", neighbours: [], suspects: ["x:1"], now: 0 },
    );
    expect(inputs).toEqual([{ type: "member-neighbours", now: 0, address: "x:1", neighbours: [] }]);
  });
});
