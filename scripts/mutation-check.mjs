#!/usr/bin/env node
// The mutation check: runs the quorum package's tests (its seeded simulations and scripted
// fault scenarios) once per mutant of the acceptor, proposer and registry
// (packages/quorum/test/mutation/mutants.ts; run with `node --import tsx`) and fails unless
// every mutant is caught by the tests named for it. For each
// one it prints the test that caught it and, for a simulation, the seed and how many schedules
// it took. `pnpm mutants -- <name>` runs one mutant.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const { mutants } = await import("../packages/quorum/test/mutation/mutants.ts");
const names = mutants.map((mutant) => mutant.name);
const only = process.argv.slice(2).filter((argument) => argument !== "--");
const selected = mutants.filter((mutant) => only.length === 0 || only.includes(mutant.name));
if (selected.length === 0) {
  console.error(`no mutant named ${only.join(", ")}; known: ${names.join(", ")}`);
  process.exit(2);
}

const escapeRegExp = (text) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

const directory = mkdtempSync(join(tmpdir(), "p2p-mutants-"));
const rows = [];
const started = Date.now();
for (const [index, { name, suite }] of selected.entries()) {
  process.stdout.write(`[${index + 1}/${selected.length}] ${name} … `);
  const reportPath = join(directory, `${name}.json`);
  const begun = Date.now();
  const run = spawnSync(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--project",
      "@p2p/quorum",
      "--bail=1",
      // The seeded simulations, or (for a fault no random schedule makes) every other test.
      ...(suite === "simulation" ? ["sim.test"] : ["--exclude", "**/*.sim.test.ts"]),
      "--reporter=json",
      `--outputFile.json=${reportPath}`,
    ],
    { env: { ...process.env, P2P_MUTANT: name }, encoding: "utf8" },
  );
  const seconds = ((Date.now() - begun) / 1000).toFixed(1);
  let failure;
  try {
    const report = JSON.parse(readFileSync(reportPath, "utf8"));
    for (const file of report.testResults) {
      for (const test of file.assertionResults) {
        if (test.status === "failed" && failure === undefined) {
          const message = test.failureMessages.join("\n");
          failure = { file: file.name, test: test.fullName, title: test.title, message };
        }
      }
      if (failure === undefined && file.status === "failed" && file.message) {
        failure = { file: file.name, test: file.name, title: undefined, message: file.message };
      }
    }
  } catch {
    failure = undefined;
  }
  if (run.status === 0 || failure === undefined) {
    console.log(`NOT CAUGHT (${seconds} s)`);
    if (run.status !== 0) console.log(run.stdout.slice(-2000), run.stderr.slice(-2000));
    rows.push({ name, caught: false });
    continue;
  }
  if (/occurs \d+ times in/.test(failure.message)) {
    console.log("the mutant no longer applies");
    console.log(failure.message.split("\n")[0]);
    rows.push({ name, caught: false });
    continue;
  }
  const seed = /simulation failed with seed (\d+)(?: \(schedule (\d+) of (\d+)\))?/.exec(
    failure.message,
  );
  // A test that fails without the mutant too proves nothing: run it again on the real code
  // (a simulation: only the seed that caught the mutant).
  const control = spawnSync(
    process.execPath,
    [
      "node_modules/vitest/vitest.mjs",
      "run",
      "--project",
      "@p2p/quorum",
      failure.file,
      ...(failure.title === undefined ? [] : ["-t", escapeRegExp(failure.title)]),
    ],
    {
      env: { ...process.env, P2P_MUTANT: "", P2P_SEED: seed === null ? "" : seed[1] },
      encoding: "utf8",
    },
  );
  if (control.status !== 0) {
    console.log(`not counted: "${failure.test}" fails without the mutant too`);
    rows.push({ name, caught: false });
    continue;
  }
  const where =
    seed === null
      ? "scripted scenario"
      : seed[2] === undefined
        ? `seed ${seed[1]}`
        : `seed ${seed[1]}, schedule ${seed[2]} of ${seed[3]}`;
  console.log(`caught (${seconds} s) by the ${suite} tests: "${failure.test}" — ${where}`);
  rows.push({ name, caught: true });
}
rmSync(directory, { recursive: true, force: true });
const missed = rows.filter((row) => !row.caught);
const total = ((Date.now() - started) / 1000).toFixed(0);
console.log(
  `mutants: ${rows.length - missed.length} of ${rows.length} caught in ${total} s${missed.length > 0 ? `; NOT caught: ${missed.map((row) => row.name).join(", ")}` : ""}`,
);
process.exit(missed.length === 0 ? 0 : 1);
