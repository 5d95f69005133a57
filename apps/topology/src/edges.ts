import { createGraph, type Graph } from "@p2p/topology";
import { CliError, EXIT_DATA } from "./args.js";

/** A parsed edge list: node names (addresses) in first-seen order, and the graph over them. */
export interface NamedGraph {
  readonly names: readonly string[];
  readonly graph: Graph;
}

/**
 * Parses an edge list.
 * - JSON: `[["a", "b"], …]` or `{ "nodes": ["a", …], "edges": [["a", "b"], …] }` (names are
 *   strings or numbers; `nodes` adds isolated members).
 * - CSV: one `a,b` edge per line; an optional `source,target` header; blank lines and lines
 *   starting with `#` are ignored.
 */
export function parseEdges(text: string, format: "json" | "csv"): NamedGraph {
  const index = new Map<string, number>();
  const names: string[] = [];
  const idOf = (name: string): number => {
    let id = index.get(name);
    if (id === undefined) {
      id = names.length;
      index.set(name, id);
      names.push(name);
    }
    return id;
  };
  const pairs: [number, number][] = [];
  if (format === "json") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new CliError(`edges: not valid JSON (${(error as Error).message})`, EXIT_DATA);
    }
    const object = Array.isArray(data) ? { edges: data } : data;
    if (
      typeof object !== "object" ||
      object === null ||
      !Array.isArray((object as { edges?: unknown }).edges)
    ) {
      throw new CliError(
        'edges: expected an array of pairs or { "nodes": [...], "edges": [[a, b], ...] }',
        EXIT_DATA,
      );
    }
    const { nodes, edges } = object as { nodes?: unknown; edges: unknown[] };
    if (nodes !== undefined) {
      if (!Array.isArray(nodes)) throw new CliError("edges: nodes must be an array", EXIT_DATA);
      nodes.forEach((node, i) => {
        idOf(nameOf(node, `nodes[${i}]`));
      });
    }
    edges.forEach((edge, i) => {
      if (!Array.isArray(edge) || edge.length !== 2) {
        throw new CliError(`edges[${i}]: expected a pair [a, b]`, EXIT_DATA);
      }
      pairs.push([
        idOf(nameOf(edge[0], `edges[${i}][0]`)),
        idOf(nameOf(edge[1], `edges[${i}][1]`)),
      ]);
    });
  } else {
    const lines = text.split(/\r?\n/);
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed === "" || trimmed.startsWith("#")) return;
      const fields = trimmed.split(",").map((field) => field.trim());
      if (fields.length !== 2 || fields[0] === "" || fields[1] === "") {
        throw new CliError(`edges line ${i + 1}: expected 'a,b', got '${trimmed}'`, EXIT_DATA);
      }
      if (pairs.length === 0 && names.length === 0 && /^(source|from)$/i.test(fields[0] as string))
        return;
      pairs.push([idOf(fields[0] as string), idOf(fields[1] as string)]);
    });
  }
  return { names, graph: createGraph(names.length, pairs) };
}

function nameOf(value: unknown, where: string): string {
  if (typeof value === "string" && value !== "") return value;
  if (typeof value === "number" && Number.isFinite(value)) return String(value);
  throw new CliError(`${where}: expected a node name (string or number)`, EXIT_DATA);
}
