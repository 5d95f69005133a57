import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plusFromState } from "pure-rand/generator/xoroshiro128plus";

/**
 * A source of uniformly distributed numbers in [0, 1). Protocol machines take one as an
 * input and never call `Math.random`; hosts, tests and simulations inject a seeded one
 * ({@link createSeededRandom}), so every run replays exactly.
 */
export interface RandomSource {
  next(): number;
}

/** A seeded {@link RandomSource} (xoroshiro128+ from pure-rand underneath). */
export interface SeededRandom extends RandomSource {
  /** The seed and label this stream was derived from. */
  readonly seed: number;
  readonly label: string;
  /** A uniform number in [0, 1) with 53 bits of randomness. */
  next(): number;
}

/** murmur3's 32-bit finalizer: a bijective avalanche mix. */
function mix32(value: number): number {
  let h = value >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** FNV-1a (32-bit) over the UTF-16 code units of `text`. */
export function hashString32(text: string, basis = 0x811c9dc5): number {
  let h = basis >>> 0;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * Derives the 128-bit generator state for (`seed`, `label`): the seed's low and high words and
 * two independent hashes of the label, each pushed through an avalanche mix.
 */
function deriveState(seed: number, label: string): number[] {
  const low = seed >>> 0;
  const high = Math.floor(seed / 0x100000000) >>> 0;
  const labelA = hashString32(label);
  const labelB = hashString32(label, 0x9e3779b9);
  const state: [number, number, number, number] = [
    mix32(low ^ mix32(labelA + 0x632be5ab)),
    mix32(high ^ mix32(labelB + 0x85157af5)),
    mix32(mix32(low + 0x9e3779b9) ^ labelB),
    mix32(mix32(high + 0x7f4a7c15) ^ labelA ^ 0x5bd1e995),
  ];
  // xoroshiro must not start from the all-zero state.
  if ((state[0] | state[1] | state[2] | state[3]) === 0) state[0] = 1;
  return state.map((word) => word | 0);
}

/**
 * The project's one seeded random source. Equal (`seed`, `label`) pairs give equal streams; any
 * other label gives an independent stream. `label` defaults to "". A host seeds it once from the
 * OS (e.g. 6 random bytes as a safe integer); tests and simulations from a replayable seed.
 * Throws a `TypeError` when `seed` is not a safe integer.
 */
export function createSeededRandom(seed: number, label = ""): SeededRandom {
  if (!Number.isSafeInteger(seed)) {
    throw new TypeError(`seed must be a safe integer, got ${String(seed)}`);
  }
  const generator = xoroshiro128plusFromState(deriveState(seed, label));
  return {
    seed,
    label,
    next: () => uniformFloat64(generator),
  };
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
