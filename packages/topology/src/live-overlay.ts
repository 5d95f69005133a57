import { createGraph, degrees, type Graph } from "./graph.js";

/** One live member as the directory lists it: its address and the neighbours it advertises. */
export interface OverlayMember {
  readonly address: string;
  readonly neighbours: readonly string[];
}

/** The undirected overlay of a running network, node `i` being `names[i]`. */
export interface LiveOverlay {
  /** Member addresses, sorted; index `i` is node `i` of `graph`. */
  readonly names: readonly string[];
  /** Each link once, as a sorted pair of addresses, in sorted order. */
  readonly edges: readonly (readonly [string, string])[];
  readonly graph: Graph;
}

/**
 * Builds the overlay the members describe: a link between two listed members when either
 * advertises the other. Neighbours that are not listed (removed, unknown) and self-links are
 * left out; a link advertised by both ends counts once.
 */
export function liveOverlay(members: readonly OverlayMember[]): LiveOverlay {
  const names = [...new Set(members.map((member) => member.address))].sort();
  const index = new Map(names.map((name, position) => [name, position]));
  const links = new Map<string, readonly [string, string]>();
  for (const member of members) {
    for (const neighbour of member.neighbours) {
      if (neighbour === member.address || !index.has(neighbour)) continue;
      const pair: readonly [string, string] =
        member.address < neighbour ? [member.address, neighbour] : [neighbour, member.address];
      links.set(`${pair[0]} ${pair[1]}`, pair);
    }
  }
  const edges = [...links.keys()].sort().map((key) => links.get(key) as readonly [string, string]);
  const graph = createGraph(
    names.length,
    edges.map(([a, b]) => [index.get(a) ?? 0, index.get(b) ?? 0] as const),
  );
  return { names, edges, graph };
}

/** Minimum, median, mean and maximum of a degree list. */
export interface DegreeSummary {
  readonly count: number;
  readonly min: number;
  /** The upper median (the middle value, or the higher of the two middle values). */
  readonly median: number;
  readonly mean: number;
  readonly max: number;
}

/** Summarises the degrees of `graph`'s nodes; undefined for an empty graph. */
export function degreeSummary(graph: Graph): DegreeSummary | undefined {
  const values = Array.from(degrees(graph)).sort((a, b) => a - b);
  const count = values.length;
  if (count === 0) return undefined;
  let sum = 0;
  for (const value of values) sum += value;
  return {
    count,
    min: values[0] ?? 0,
    median: values[Math.floor(count / 2)] ?? 0,
    mean: sum / count,
    max: values[count - 1] ?? 0,
  };
}

/** One line for a terminal: `degree: min 1, median 2, mean 2.40, max 6`. */
export function formatDegreeSummary(summary: DegreeSummary): string {
  return `degree: min ${summary.min}, median ${summary.median}, mean ${summary.mean.toFixed(2)}, max ${summary.max}`;
}
