// Growth benchmark: time to grow an overlay of N = 10³, 10⁴, 10⁵ (and 10⁶) nodes by
// preferential attachment, against uniform attachment measured in the same run, and
// the time ratio per 10× nodes (≈ 10 means linear growth).
import { cpus } from "node:os";
import { createSeededRandom } from "@p2p/wire";
import { degrees, fitPowerLaw, growNetwork, growUniformNetwork } from "../src/index.js";

const k = 2;
const sizes = [1_000, 10_000, 100_000, 1_000_000];
const cpu = cpus()[0]?.model ?? "unknown CPU";
console.log(`machine: ${cpu}, ${cpus().length} cores, Node ${process.version}`);
console.log(`k = ${k}; best of 5 runs per size\n`);

function bestOf(runs: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

// warm up the JIT
growNetwork({ nodes: 10_000, k, random: createSeededRandom(0) });
growUniformNetwork({ nodes: 10_000, k, random: createSeededRandom(0) });

console.log("nodes      preferential ms  ratio/10x   uniform ms  ratio/10x   pref/uniform");
let previous: { preferential: number; uniform: number } | undefined;
for (const nodes of sizes) {
  const preferential = bestOf(5, () =>
    growNetwork({ nodes, k, random: createSeededRandom(nodes) }),
  );
  const uniform = bestOf(5, () =>
    growUniformNetwork({ nodes, k, random: createSeededRandom(nodes) }),
  );
  const ratio = (now: number, before: number | undefined) =>
    before === undefined ? "-" : (now / before).toFixed(2);
  console.log(
    `${String(nodes).padEnd(10)} ${preferential.toFixed(2).padStart(15)}  ${ratio(preferential, previous?.preferential).padStart(9)}  ${uniform.toFixed(2).padStart(11)}  ${ratio(uniform, previous?.uniform).padStart(9)}  ${(preferential / uniform).toFixed(2).padStart(13)}`,
  );
  previous = { preferential, uniform };
}

console.log("\nfit (no bootstrap) of the grown degree sequence:");
for (const nodes of [10_000, 100_000]) {
  const degreeList = degrees(growNetwork({ nodes, k, random: createSeededRandom(nodes) }));
  const start = performance.now();
  const fit = fitPowerLaw(degreeList);
  console.log(
    `${String(nodes).padEnd(10)} α = ${fit.alpha.toFixed(3)} ± ${fit.alphaStandardError.toFixed(3)}, xmin = ${fit.xmin}, fit ${(performance.now() - start).toFixed(1)} ms`,
  );
}
