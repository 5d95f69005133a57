/**
 * A source of uniformly distributed numbers in [0, 1). Protocol machines take one as an
 * input and never call `Math.random`; tests and simulations inject a seeded one
 * (`createRandom(seed)` from `@p2p/sim`), so every run replays exactly.
 */
export interface RandomSource {
  next(): number;
}

/** A uniformly chosen integer in [0, maxExclusive). */
export function randomInt(random: RandomSource, maxExclusive: number): number {
  return Math.floor(random.next() * maxExclusive);
}

/** Fisher–Yates shuffle of a copy of `items`. */
export function shuffled<T>(random: RandomSource, items: readonly T[]): T[] {
  const copy = items.slice();
  for (let i = copy.length - 1; i > 0; i--) {
    const j = randomInt(random, i + 1);
    const held = copy[i] as T;
    copy[i] = copy[j] as T;
    copy[j] = held;
  }
  return copy;
}
