#!/usr/bin/env node
// Runs the whole vitest suite (every package and app project) and ends with one plain
// summary line, "N passed, N failed", so any CI can read the outcome.
// Extra arguments go to vitest (e.g. `pnpm test -- --project @p2p/wire`).
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const directory = mkdtempSync(join(tmpdir(), "p2p-test-"));
const reportPath = join(directory, "report.json");
const vitest = spawnSync(
  process.execPath,
  [
    "node_modules/vitest/vitest.mjs",
    "run",
    "--reporter=default",
    "--reporter=json",
    `--outputFile.json=${reportPath}`,
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
let summary = "tests: no report was written";
try {
  const report = JSON.parse(readFileSync(reportPath, "utf8"));
  const skipped = report.numPendingTests + report.numTodoTests;
  summary = `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed${skipped ? `, ${skipped} skipped` : ""}`;
  if (report.numTotalTests === 0) summary = "tests: 0 passed, 0 failed (no test ran)";
} catch {
  // vitest crashed before writing its report; its own output says why
}
rmSync(directory, { recursive: true, force: true });
console.log(summary);
process.exit(vitest.status ?? 1);
