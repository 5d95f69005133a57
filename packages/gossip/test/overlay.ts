import { growNetwork } from "@p2p/topology";
import type { RandomSource } from "@p2p/wire";

/** An undirected overlay: address → neighbour addresses. */
export type Overlay = Map<string, Set<string>>;

export const addressOf = (index: number) => `10.${(index >> 8) & 255}.${index & 255}.1:7000`;

export function link(overlay: Overlay, a: string, b: string): void {
  overlay.get(a)?.add(b);
  overlay.get(b)?.add(a);
}

/**
 * A seeded power-law overlay grown by @p2p/topology's `growNetwork`: peer i (address
 * `addressOf(i)`) joins after peers 0…i−1 and links to min(k, i) of them, ∝ degree + 1.
 */
export function preferentialAttachment(
  size: number,
  linksPerJoiner: number,
  random: RandomSource,
): Overlay {
  const graph = growNetwork({ nodes: size, k: linksPerJoiner, random });
  const overlay: Overlay = new Map();
  for (let index = 0; index < size; index++) overlay.set(addressOf(index), new Set());
  for (let edge = 0; edge < graph.edgeSources.length; edge++) {
    const [source, target] = [graph.edgeSources[edge], graph.edgeTargets[edge]] as [number, number];
    link(overlay, addressOf(source), addressOf(target));
  }
  return overlay;
}

/** Hop distance from `source` to every reachable node (BFS). */
export function distancesFrom(
  overlay: Overlay,
  source: string,
  alive: (a: string) => boolean = () => true,
) {
  const distance = new Map<string, number>([[source, 0]]);
  const queue = [source];
  for (let head = 0; head < queue.length; head++) {
    const current = queue[head] as string;
    for (const next of overlay.get(current) ?? []) {
      if (distance.has(next) || !alive(next)) continue;
      distance.set(next, (distance.get(current) ?? 0) + 1);
      queue.push(next);
    }
  }
  return distance;
}

/** Summary statistics of a sample. */
export function summary(values: readonly number[]) {
  const sorted = values.slice().sort((a, b) => a - b);
  const at = (q: number) =>
    sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return {
    mean: Math.round(mean * 100) / 100,
    p50: at(0.5),
    p99: at(0.99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}
