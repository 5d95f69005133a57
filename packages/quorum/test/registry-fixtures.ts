// What the seed registry's unit tests share: three seeds, fixed randomness, evidence that always
// validates, and member keys with a chosen owner seed (keyOwner).
import { ok, type RandomSource } from "@p2p/wire";
import { keyOwner, type SeedRegistryOutput } from "../src/index.js";

export const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const random: RandomSource = { next: () => 0.5 };
export const deps = { random, validateEvidence: () => ok(undefined) };

/** The sends among `outputs`. */
export const sends = (outputs: readonly SeedRegistryOutput[]) =>
  outputs.filter((output) => output.type === "send");

/** The `nth` member address (10.9.0.x:7000) whose owner is (or, with `isOwner` false, is not) `seed`. */
export const keyOf = (seed: string, nth = 0, isOwner = true): string => {
  const found: string[] = [];
  for (let host = 1; found.length <= nth; host++) {
    const key = `10.9.0.${host}:7000`;
    if ((keyOwner(key, seeds) === seed) === isOwner) found.push(key);
  }
  return found[nth] as string;
};
