import { P2pError, type RandomSource } from "@p2p/wire";
import type { TopologyErrorCode } from "./errors.js";
import { type Graph, graphFromEdgeArrays } from "./graph.js";

/** Input of {@link growNetwork}. */
export interface GrowNetworkInput {
  /** Number of peers that join, one after another (an integer ≥ 1). */
  readonly nodes: number;
  /** Neighbours each joiner picks (an integer ≥ 1); early joiners link to all members when fewer exist. */
  readonly k: number;
  /** Injected randomness. */
  readonly random: RandomSource;
  /** Called every `progressEvery` joins and at the end with (joined, total). */
  readonly onProgress?: (joined: number, total: number) => void;
  /** Progress callback interval in joins. Default 10,000. */
  readonly progressEvery?: number;
}

/**
 * Grows an overlay the way our peers join: node i (0-based) links to min(k, i) distinct
 * earlier nodes, each pick with probability ∝ (degree + 1) — the distribution of
 * {@link chooseNeighbours}. Runs in O(nodes × k) expected time: a pick draws uniformly from
 * the concatenation of the edge-endpoint list (each node appears `degree` times) and the node
 * list (each node once), and a repeat of an already chosen node is redrawn, which is exactly
 * successive sampling without replacement.
 */
export function growNetwork(input: GrowNetworkInput): Graph {
  const { nodes, k, random, onProgress } = input;
  const progressEvery = input.progressEvery ?? 10_000;
  if (!Number.isInteger(nodes) || nodes < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `nodes must be a positive integer, got ${nodes}`,
    );
  }
  if (!Number.isInteger(k) || k < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `k must be a positive integer, got ${k}`,
    );
  }
  const maxEdges = nodes * k;
  const sources = new Int32Array(maxEdges);
  const targets = new Int32Array(maxEdges);
  // endpoints[0 .. 2 × edgeCount) lists every edge end; a node appears once per unit of degree.
  const endpoints = new Int32Array(maxEdges * 2);
  let edgeCount = 0;
  const chosen = new Int32Array(k);
  for (let joiner = 0; joiner < nodes; joiner++) {
    const picks = Math.min(k, joiner);
    if (picks === joiner) {
      for (let v = 0; v < joiner; v++) chosen[v] = v;
    } else {
      const endpointCount = edgeCount * 2;
      const totalWeight = endpointCount + joiner;
      let taken = 0;
      while (taken < picks) {
        const draw = Math.floor(random.next() * totalWeight);
        const candidate = draw < endpointCount ? (endpoints[draw] as number) : draw - endpointCount;
        let isRepeat = false;
        for (let i = 0; i < taken; i++) {
          if (chosen[i] === candidate) {
            isRepeat = true;
            break;
          }
        }
        if (!isRepeat) chosen[taken++] = candidate;
      }
    }
    for (let i = 0; i < picks; i++) {
      const neighbour = chosen[i] as number;
      sources[edgeCount] = neighbour;
      targets[edgeCount] = joiner;
      endpoints[edgeCount * 2] = neighbour;
      endpoints[edgeCount * 2 + 1] = joiner;
      edgeCount++;
    }
    if (onProgress !== undefined && ((joiner + 1) % progressEvery === 0 || joiner + 1 === nodes)) {
      onProgress(joiner + 1, nodes);
    }
  }
  return graphFromEdgeArrays(nodes, sources.slice(0, edgeCount), targets.slice(0, edgeCount));
}

/**
 * Baseline for benchmarks and comparisons: the same growth with uniform attachment (each
 * pick equally likely among earlier nodes), which yields an exponential degree tail.
 */
export function growUniformNetwork(input: GrowNetworkInput): Graph {
  const { nodes, k, random } = input;
  if (!Number.isInteger(nodes) || nodes < 1 || !Number.isInteger(k) || k < 1) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      `nodes and k must be positive integers, got ${nodes}, ${k}`,
    );
  }
  const sources: number[] = [];
  const targets: number[] = [];
  const chosen: number[] = [];
  for (let joiner = 1; joiner < nodes; joiner++) {
    const picks = Math.min(k, joiner);
    chosen.length = 0;
    while (chosen.length < picks) {
      const candidate = Math.floor(random.next() * joiner);
      if (!chosen.includes(candidate)) chosen.push(candidate);
    }
    for (const neighbour of chosen) {
      sources.push(neighbour);
      targets.push(joiner);
    }
    input.onProgress?.(joiner + 1, nodes);
  }
  return graphFromEdgeArrays(nodes, Int32Array.from(sources), Int32Array.from(targets));
}
