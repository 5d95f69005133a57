import { connectedComponents, degrees } from "@p2p/topology";
import { describe, expect, it } from "vitest";
import { CliError } from "./args.js";
import { parseEdges } from "./edges.js";

describe("parseEdges", () => {
  it("reads the JSON pair list and the nodes + edges object", () => {
    const pairs = parseEdges(
      '[["10.0.0.1:5000","10.0.0.2:5000"],["10.0.0.2:5000","10.0.0.3:5000"]]',
      "json",
    );
    expect(pairs.names).toEqual(["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"]);
    expect(Array.from(degrees(pairs.graph))).toEqual([1, 2, 1]);
    const withNodes = parseEdges('{"nodes":["a","b","c"],"edges":[["a","b"],["b","a"]]}', "json");
    expect(withNodes.graph.edgeSources.length).toBe(1);
    expect(connectedComponents(withNodes.graph).count).toBe(2);
  });

  it("reads CSV with an optional header, comments and blank lines", () => {
    const parsed = parseEdges("source,target\n# live network\na,b\n\nb, c\r\nc,a\n", "csv");
    expect(parsed.names).toEqual(["a", "b", "c"]);
    expect(Array.from(degrees(parsed.graph))).toEqual([2, 2, 2]);
  });

  it("reports malformed input as a one-line CliError", () => {
    expect(() => parseEdges("a,b,c", "csv")).toThrow(/line 1/);
    expect(() => parseEdges("{", "json")).toThrow(CliError);
    expect(() => parseEdges('[["a"]]', "json")).toThrow(/edges\[0\]/);
  });
});
