import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findViolations } from "./check-purity.mjs";

const directory = mkdtempSync(join(tmpdir(), "purity-"));
afterAll(() => rmSync(directory, { recursive: true, force: true }));

/** The violations the check reports for a source file holding one line. */
function violationsIn(line) {
  const dir = mkdtempSync(join(directory, "case-"));
  writeFileSync(join(dir, "source.ts"), `${line}\n`);
  return findViolations([dir]);
}

describe("check-purity", () => {
  it.each([
    "const now = Date.now();",
    "const at = new Date();",
    "const x = Math.random();",
    "const t = performance.now();",
    "const h = process.hrtime.bigint();",
    "setTimeout(() => {}, 10);",
    'import { readFileSync } from "node:fs";',
    'import { connect } from "net";',
  ])("catches direct use: %s", (line) => {
    expect(violationsIn(line)).toHaveLength(1);
  });

  it.each([
    'const now = Date["now"]();',
    "const now = Date['now']();",
    "const now = Date[`now`]();",
    "const clock = Date.now;",
    "const at = Date();",
    'const x = Math["random"]();',
    "const pick = Math.random;",
    'const t = performance["now"]();',
    'const h = process["hrtime"]();',
    "const arm = globalThis.setTimeout;",
    'globalThis["setInterval"](tick, 5);',
    "const run = globalThis.queueMicrotask;",
    'const D = globalThis["Date"];',
    "const { now } = Date;",
    "const { random } = Math;",
  ])("catches indirect access: %s", (line) => {
    expect(violationsIn(line)).toHaveLength(1);
  });

  it.each([
    "const at = input.now;",
    "const x = Math.floor(random.next() * 3);",
    "const date = new Date(0);",
    "machine.setTimer(5);",
    "// Date.now() is never read here",
    " * Math.random is forbidden",
    "const config = { timeoutMs: 5 };",
  ])("leaves alone: %s", (line) => {
    expect(violationsIn(line)).toEqual([]);
  });
});
