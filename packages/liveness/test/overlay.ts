import type { RandomSource } from "@p2p/wire";

/** An undirected overlay: address → sorted neighbour addresses. */
export type Overlay = Map<string, Set<string>>;

export const addressOf = (index: number) => `10.${(index >> 8) & 255}.${index & 255}.1:7000`;

/** Picks one address with probability ∝ degree + 1, excluding `exclude`. */
export function pickPreferential(
  overlay: Overlay,
  candidates: readonly string[],
  exclude: ReadonlySet<string>,
  random: RandomSource,
): string | undefined {
  let total = 0;
  for (const address of candidates)
    if (!exclude.has(address)) total += (overlay.get(address)?.size ?? 0) + 1;
  if (total === 0) return undefined;
  let target = random.next() * total;
  for (const address of candidates) {
    if (exclude.has(address)) continue;
    target -= (overlay.get(address)?.size ?? 0) + 1;
    if (target < 0) return address;
  }
  return candidates.findLast((address) => !exclude.has(address));
}

export function link(overlay: Overlay, a: string, b: string): void {
  overlay.get(a)?.add(b);
  overlay.get(b)?.add(a);
}

/**
 * A seeded preferential-attachment overlay: a clique of `linksPerJoiner + 1` nodes, then each
 * joiner links to `linksPerJoiner` distinct existing nodes chosen with probability ∝ degree + 1.
 */
export function preferentialAttachment(
  size: number,
  linksPerJoiner: number,
  random: RandomSource,
): Overlay {
  const overlay: Overlay = new Map();
  const members: string[] = [];
  for (let index = 0; index < size; index++) {
    const address = addressOf(index);
    overlay.set(address, new Set());
    const chosen = new Set<string>([address]);
    const wanted = Math.min(linksPerJoiner, members.length);
    for (let picked = 0; picked < wanted; picked++) {
      const target = pickPreferential(overlay, members, chosen, random);
      if (target === undefined) break;
      chosen.add(target);
      link(overlay, address, target);
    }
    members.push(address);
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
