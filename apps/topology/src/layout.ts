import type { Graph, RandomSource } from "@p2p/topology";

/** A 2-D position per node. */
export interface Layout {
  readonly x: Float64Array;
  readonly y: Float64Array;
}

/**
 * A seeded Fruchterman–Reingold force layout in the unit square: random start positions,
 * repulsion between all pairs, attraction along edges, a cooling step size. O(n²) per
 * iteration — meant for drawings of a few hundred nodes.
 */
export function forceLayout(graph: Graph, random: RandomSource, iterations = 300): Layout {
  const n = graph.nodeCount;
  const x = new Float64Array(n);
  const y = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    x[v] = random.next();
    y[v] = random.next();
  }
  const ideal = Math.sqrt(1 / Math.max(n, 1));
  const dx = new Float64Array(n);
  const dy = new Float64Array(n);
  for (let iteration = 0; iteration < iterations; iteration++) {
    dx.fill(0);
    dy.fill(0);
    for (let a = 0; a < n; a++) {
      for (let b = a + 1; b < n; b++) {
        const ox = (x[a] as number) - (x[b] as number);
        const oy = (y[a] as number) - (y[b] as number);
        const distanceSquared = Math.max(ox * ox + oy * oy, 1e-9);
        const force = (ideal * ideal) / distanceSquared; // (k²/d) / d
        dx[a] = (dx[a] as number) + ox * force;
        dy[a] = (dy[a] as number) + oy * force;
        dx[b] = (dx[b] as number) - ox * force;
        dy[b] = (dy[b] as number) - oy * force;
      }
    }
    for (let e = 0; e < graph.edgeSources.length; e++) {
      const a = graph.edgeSources[e] as number;
      const b = graph.edgeTargets[e] as number;
      const ox = (x[a] as number) - (x[b] as number);
      const oy = (y[a] as number) - (y[b] as number);
      const distance = Math.max(Math.sqrt(ox * ox + oy * oy), 1e-9);
      const force = distance / ideal; // (d²/k) / d
      dx[a] = (dx[a] as number) - ox * force;
      dy[a] = (dy[a] as number) - oy * force;
      dx[b] = (dx[b] as number) + ox * force;
      dy[b] = (dy[b] as number) + oy * force;
    }
    const temperature = 0.1 * (1 - iteration / iterations) + 0.002;
    for (let v = 0; v < n; v++) {
      const length = Math.max(Math.hypot(dx[v] as number, dy[v] as number), 1e-12);
      const move = Math.min(length, temperature);
      x[v] = (x[v] as number) + ((dx[v] as number) / length) * move;
      y[v] = (y[v] as number) + ((dy[v] as number) / length) * move;
      // gentle pull to the centre keeps components together on the canvas
      x[v] = 0.5 + ((x[v] as number) - 0.5) * 0.995;
      y[v] = 0.5 + ((y[v] as number) - 0.5) * 0.995;
    }
  }
  return { x, y };
}
