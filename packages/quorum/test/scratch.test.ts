import { it } from "vitest";
import { checkHistories, runWorkload } from "./workload.js";
it("scratch", () => {
  let bads = 0; const t = performance.now(); let unk = 0, ans = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const result = runWorkload({ seed, seedCount: 3, clients: 6, operationsPerClient: 15, keys: 2, partitions: true, quorumSize: 1 });
    const bad = checkHistories(result);
    unk += result.unknown; ans += result.answered;
    if (bad) { bads++; }
  }
  console.log("bad", bads, "ms", (performance.now() - t).toFixed(0), "unknown", unk, "answered", ans);
  bads = 0; unk = 0; ans = 0;
  for (let seed = 1; seed <= 30; seed++) {
    const result = runWorkload({ seed, seedCount: 3, clients: 6, operationsPerClient: 15, keys: 2, lossRate: 0.05, duplicateRate: 0.1, reorderRate: 0.2 });
    const bad = checkHistories(result);
    unk += result.unknown; ans += result.answered;
    if (bad) { bads++; }
  }
  console.log("nofault bad", bads, "ms", (performance.now() - t).toFixed(0), "unknown", unk, "answered", ans);
});
