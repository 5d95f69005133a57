// Growth benchmark: time to grow an overlay of N = 10³, 10⁴, 10⁵ (and 10⁶) nodes by
// preferential attachment, against uniform attachment measured in the same run, and
// the time ratio per 10× nodes (≈ 10 means linear growth).
// Run: pnpm bench topology   (--quick: up to 10⁵ nodes, best of 2)
import { createSeededRandom } from "@p2p/wire";
import {
  type Cell,
  fail,
  printTable,
  ratio,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import { degrees, fitPowerLaw, growNetwork, growUniformNetwork } from "../src/index.js";

const k = 2;
const sizes = scaled([1_000, 10_000, 100_000, 1_000_000], [1_000, 10_000, 100_000]);
const runs = scaled(5, 2);
const fitSizes = scaled([10_000, 100_000], [10_000]);

function bestOf(count: number, work: () => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < count; i++) {
    const start = performance.now();
    work();
    best = Math.min(best, performance.now() - start);
  }
  return best;
}

await runBench(import.meta.url, "overlay growth, preferential against uniform attachment", () => {
  console.log(`k = ${k}; best of ${runs} runs per size`);
  // warm up the JIT
  growNetwork({ nodes: 10_000, k, random: createSeededRandom(0) });
  growUniformNetwork({ nodes: 10_000, k, random: createSeededRandom(0) });

  const rows: Cell[][] = [];
  let previous: { preferential: number; uniform: number } | undefined;
  for (const nodes of sizes) {
    const preferential = bestOf(runs, () =>
      growNetwork({ nodes, k, random: createSeededRandom(nodes) }),
    );
    const uniform = bestOf(runs, () =>
      growUniformNetwork({ nodes, k, random: createSeededRandom(nodes) }),
    );
    const name = String(nodes);
    const growth = (now: number, before: number | undefined, what: string): Cell =>
      before === undefined ? "-" : { value: ratio(now, before, `${name}, ${what}`), digits: 2 };
    rows.push([
      name,
      { value: preferential, digits: 2 },
      growth(preferential, previous?.preferential, "preferential ratio/10x"),
      { value: uniform, digits: 2 },
      growth(uniform, previous?.uniform, "uniform ratio/10x"),
      { value: ratio(preferential, uniform, `${name}, pref/uniform`), digits: 2 },
    ]);
    previous = { preferential, uniform };
  }
  printTable(
    ["nodes", "preferential ms", "ratio/10x", "uniform ms (baseline)", "ratio/10x", "pref/uniform"],
    rows,
  );

  console.log("\nfit (no bootstrap) of the grown degree sequence:");
  const fits: Cell[][] = [];
  for (const nodes of fitSizes) {
    const degreeList = degrees(growNetwork({ nodes, k, random: createSeededRandom(nodes) }));
    const start = performance.now();
    const fit = fitPowerLaw(degreeList);
    if (!(fit.alpha > 1)) fail(`fit of ${nodes} nodes: α = ${fit.alpha}, expected > 1`);
    fits.push([
      String(nodes),
      { value: fit.alpha, digits: 3 },
      { value: fit.alphaStandardError, digits: 3 },
      fit.xmin,
      { value: performance.now() - start, digits: 1 },
    ]);
  }
  printTable(["nodes", "α", "± (standard error)", "xmin", "fit ms"], fits);
});
