import { P2pError, type RandomSource } from "@p2p/wire";
import type { TopologyErrorCode } from "./errors.js";

/**
 * A compact undirected simple graph: nodes are 0..nodeCount-1, each edge is stored once
 * in the edge list and twice in the CSR adjacency (`neighbours` of node v are
 * `adjacency[offsets[v] .. offsets[v+1])`, sorted ascending).
 */
export interface Graph {
  readonly nodeCount: number;
  /** Edge endpoints: edge i joins `edgeSources[i]` and `edgeTargets[i]`. */
  readonly edgeSources: Int32Array;
  readonly edgeTargets: Int32Array;
  /** CSR offsets, length nodeCount + 1. */
  readonly offsets: Int32Array;
  /** CSR neighbour lists, length 2 × edges. */
  readonly adjacency: Int32Array;
}

/**
 * Builds a {@link Graph} from an edge list. Self-loops are dropped and duplicate edges
 * (in either direction) are merged, so the graph is simple. Throws
 * `ARGUMENT_INVALID` when an endpoint is outside 0..nodeCount-1.
 */
export function createGraph(nodeCount: number, edges: Iterable<readonly [number, number]>): Graph {
  if (!Number.isInteger(nodeCount) || nodeCount < 0) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `nodeCount must be a non-negative integer, got ${nodeCount}`,
    );
  }
  const keys = new Set<number>();
  const sources: number[] = [];
  const targets: number[] = [];
  for (const [a, b] of edges) {
    for (const endpoint of [a, b]) {
      if (!Number.isInteger(endpoint) || endpoint < 0 || endpoint >= nodeCount) {
        throw new P2pError<TopologyErrorCode>(
          "ARGUMENT_INVALID",
          `edge endpoint ${endpoint} is outside 0..${nodeCount - 1}`,
        );
      }
    }
    if (a === b) continue;
    const low = Math.min(a, b);
    const high = Math.max(a, b);
    const key = low * nodeCount + high;
    if (keys.has(key)) continue;
    keys.add(key);
    sources.push(low);
    targets.push(high);
  }
  return graphFromEdgeArrays(nodeCount, Int32Array.from(sources), Int32Array.from(targets));
}

/** Builds the CSR view for an already simple edge list (no checks; internal fast path). */
export function graphFromEdgeArrays(
  nodeCount: number,
  edgeSources: Int32Array,
  edgeTargets: Int32Array,
): Graph {
  const offsets = new Int32Array(nodeCount + 1);
  for (let i = 0; i < edgeSources.length; i++) {
    const a = (edgeSources[i] as number) + 1;
    const b = (edgeTargets[i] as number) + 1;
    offsets[a] = (offsets[a] as number) + 1;
    offsets[b] = (offsets[b] as number) + 1;
  }
  for (let v = 0; v < nodeCount; v++)
    offsets[v + 1] = (offsets[v + 1] as number) + (offsets[v] as number);
  const fill = offsets.slice(0, nodeCount);
  const adjacency = new Int32Array(edgeSources.length * 2);
  for (let i = 0; i < edgeSources.length; i++) {
    const a = edgeSources[i] as number;
    const b = edgeTargets[i] as number;
    const slotA = fill[a] as number;
    const slotB = fill[b] as number;
    adjacency[slotA] = b;
    adjacency[slotB] = a;
    fill[a] = slotA + 1;
    fill[b] = slotB + 1;
  }
  for (let v = 0; v < nodeCount; v++) {
    adjacency.subarray(offsets[v], offsets[v + 1]).sort();
  }
  return { nodeCount, edgeSources, edgeTargets, offsets, adjacency };
}

/** The degree of every node. */
export function degrees(graph: Graph): Int32Array {
  const result = new Int32Array(graph.nodeCount);
  for (let v = 0; v < graph.nodeCount; v++)
    result[v] = (graph.offsets[v + 1] as number) - (graph.offsets[v] as number);
  return result;
}

/** Connected components: a component id per node and the component sizes (largest first). */
export interface Components {
  readonly count: number;
  /** Component id of each node (ids ordered by size, 0 = largest). */
  readonly componentOf: Int32Array;
  /** Sizes, largest first. */
  readonly sizes: readonly number[];
}

/** Finds the connected components by breadth-first search. */
export function connectedComponents(graph: Graph): Components {
  const { nodeCount, offsets, adjacency } = graph;
  const raw = new Int32Array(nodeCount).fill(-1);
  const queue = new Int32Array(nodeCount);
  const rawSizes: number[] = [];
  for (let start = 0; start < nodeCount; start++) {
    if (raw[start] !== -1) continue;
    const id = rawSizes.length;
    let head = 0;
    let tail = 0;
    queue[tail++] = start;
    raw[start] = id;
    while (head < tail) {
      const v = queue[head++] as number;
      for (let i = offsets[v] as number; i < (offsets[v + 1] as number); i++) {
        const u = adjacency[i] as number;
        if (raw[u] === -1) {
          raw[u] = id;
          queue[tail++] = u;
        }
      }
    }
    rawSizes.push(tail);
  }
  const order = rawSizes
    .map((_, id) => id)
    .sort((a, b) => (rawSizes[b] as number) - (rawSizes[a] as number) || a - b);
  const rank = new Int32Array(order.length);
  order.forEach((id, position) => {
    rank[id] = position;
  });
  const componentOf = raw.map((id) => rank[id] as number);
  return { count: rawSizes.length, componentOf, sizes: order.map((id) => rawSizes[id] as number) };
}

/** Breadth-first distances from `source` (-1 = unreachable). */
export function distancesFrom(graph: Graph, source: number): Int32Array {
  const { nodeCount, offsets, adjacency } = graph;
  const distance = new Int32Array(nodeCount).fill(-1);
  const queue = new Int32Array(nodeCount);
  let head = 0;
  let tail = 0;
  queue[tail++] = source;
  distance[source] = 0;
  while (head < tail) {
    const v = queue[head++] as number;
    const next = (distance[v] as number) + 1;
    for (let i = offsets[v] as number; i < (offsets[v + 1] as number); i++) {
      const u = adjacency[i] as number;
      if (distance[u] === -1) {
        distance[u] = next;
        queue[tail++] = u;
      }
    }
  }
  return distance;
}

function farthest(distance: Int32Array): { node: number; distance: number } {
  let node = 0;
  let best = -1;
  for (let v = 0; v < distance.length; v++) {
    if ((distance[v] as number) > best) {
      best = distance[v] as number;
      node = v;
    }
  }
  return { node, distance: best };
}

/** A diameter value and whether it is exact or a lower bound. */
export interface DiameterEstimate {
  readonly diameter: number;
  /** True when every node was a BFS source (exact); false for the double-sweep lower bound. */
  readonly isExact: boolean;
}

/** Options for {@link estimateDiameter}. */
export interface DiameterOptions {
  /** Graphs with at most this many nodes get the exact diameter (all-sources BFS). Default 2000. */
  readonly exactUpToNodes?: number;
  /** Double-sweep repetitions from random start nodes on larger graphs. Default 8. */
  readonly sweeps?: number;
  /** Randomness for the sweep start nodes. Without it, sweeps start at the highest-degree nodes. */
  readonly random?: RandomSource;
}

/**
 * The diameter of the largest connected component: exact for small graphs, otherwise the
 * best lower bound of repeated double sweeps (BFS to the farthest node, BFS again), which is
 * tight on most real networks.
 */
export function estimateDiameter(graph: Graph, options: DiameterOptions = {}): DiameterEstimate {
  const exactUpToNodes = options.exactUpToNodes ?? 2000;
  const sweeps = options.sweeps ?? 8;
  if (graph.nodeCount === 0) return { diameter: 0, isExact: true };
  const { componentOf } = connectedComponents(graph);
  const members: number[] = [];
  for (let v = 0; v < graph.nodeCount; v++) if (componentOf[v] === 0) members.push(v);
  if (members.length <= exactUpToNodes) {
    let diameter = 0;
    for (const source of members)
      diameter = Math.max(diameter, farthest(distancesFrom(graph, source)).distance);
    return { diameter, isExact: true };
  }
  const degree = degrees(graph);
  const byDegree = members
    .slice()
    .sort((a, b) => (degree[b] as number) - (degree[a] as number) || a - b);
  let diameter = 0;
  for (let sweep = 0; sweep < sweeps; sweep++) {
    const start =
      options.random === undefined
        ? (byDegree[sweep % byDegree.length] as number)
        : (members[Math.floor(options.random.next() * members.length)] as number);
    const first = farthest(distancesFrom(graph, start));
    const second = farthest(distancesFrom(graph, first.node));
    diameter = Math.max(diameter, first.distance, second.distance);
  }
  return { diameter, isExact: false };
}

/**
 * Average local clustering coefficient (Watts–Strogatz): the mean over all nodes of
 * triangles(v) / (deg(v) choose 2), counting nodes of degree < 2 as 0 (as networkx does).
 */
export function averageClustering(graph: Graph): number {
  const { nodeCount, offsets, adjacency } = graph;
  if (nodeCount === 0) return 0;
  const mark = new Int32Array(nodeCount).fill(-1);
  let total = 0;
  for (let v = 0; v < nodeCount; v++) {
    const start = offsets[v] as number;
    const end = offsets[v + 1] as number;
    const degree = end - start;
    if (degree < 2) continue;
    for (let i = start; i < end; i++) mark[adjacency[i] as number] = v;
    let links = 0;
    for (let i = start; i < end; i++) {
      const u = adjacency[i] as number;
      for (let j = offsets[u] as number; j < (offsets[u + 1] as number); j++) {
        if (mark[adjacency[j] as number] === v) links++;
      }
    }
    // Each triangle edge among the neighbours was seen from both ends.
    total += links / (degree * (degree - 1));
  }
  return total / nodeCount;
}
