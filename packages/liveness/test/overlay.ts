import { growNetwork } from "@p2p/topology";
import type { RandomSource } from "@p2p/wire";

/** An undirected overlay: address → neighbour addresses. */
export type Overlay = Map<string, Set<string>>;

const addressOf = (index: number) => `10.${(index >> 8) & 255}.${index & 255}.1:7000`;

/** A seeded power-law overlay grown by @p2p/topology's `growNetwork` (peer i links to min(k, i) earlier peers). */
export function preferentialAttachment(
  size: number,
  linksPerJoiner: number,
  random: RandomSource,
): Overlay {
  const graph = growNetwork({ nodes: size, k: linksPerJoiner, random });
  const overlay: Overlay = new Map();
  for (let index = 0; index < size; index++) overlay.set(addressOf(index), new Set());
  graph.edgeSources.forEach((source, edge) => {
    const [a, b] = [addressOf(source), addressOf(graph.edgeTargets[edge] as number)];
    overlay.get(a)?.add(b);
    overlay.get(b)?.add(a);
  });
  return overlay;
}
