import type { RandomSource } from "@p2p/wire";
import { uniformFloat64 } from "pure-rand/distribution/uniformFloat64";
import { xoroshiro128plus } from "pure-rand/generator/xoroshiro128plus";

/**
 * A standalone seeded {@link RandomSource} (xoroshiro128+ from pure-rand). The same seed
 * always yields the same stream, so simulations and bootstrap fits replay exactly.
 */
export function createSeededRandom(seed: number): RandomSource {
  const generator = xoroshiro128plus(seed | 0);
  return { next: () => uniformFloat64(generator) };
}
