#!/usr/bin/env node
// The sans-IO rule, enforced: protocol packages never touch the clock, randomness,
// timers or Node's I/O modules. Time, random sources and storage are injected.
// Usage: node scripts/check-purity.mjs [package-dir ...]   (exit 1 on any violation)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";

export const PROTOCOL_PACKAGES = ["sim", "quorum", "gossip", "liveness", "topology"];

const RULES = [
  { pattern: /\bDate\.now\s*\(/, why: "reads the wall clock; take `now` as an input" },
  { pattern: /\bnew\s+Date\s*\(\s*\)/, why: "reads the wall clock; take `now` as an input" },
  { pattern: /\bMath\.random\s*\(/, why: "unseeded randomness; inject a seeded random source" },
  { pattern: /\bperformance\.now\s*\(/, why: "reads a clock; take `now` as an input" },
  { pattern: /\bprocess\.hrtime\b/, why: "reads a clock; take `now` as an input" },
  {
    pattern: /\b(setTimeout|setInterval|setImmediate|queueMicrotask)\s*\(/,
    why: "arms a real timer; emit a timer output instead",
  },
  {
    pattern: /from\s+["']node:[^"']+["']|import\s*\(\s*["']node:|require\s*\(\s*["']node:/,
    why: "imports a Node I/O module",
  },
  {
    pattern: /from\s+["'](fs|net|dgram|child_process|os|http|https|worker_threads|crypto)["']/,
    why: "imports a Node I/O module",
  },
];

function* sourceFiles(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* sourceFiles(path);
    else if (/\.ts$/.test(entry) && !/\.test\.ts$/.test(entry)) yield path;
  }
}

/** Returns one line per violation in the given package source directories. */
export function findViolations(directories) {
  const violations = [];
  for (const dir of directories) {
    for (const file of sourceFiles(dir)) {
      const lines = readFileSync(file, "utf8").split("\n");
      lines.forEach((line, index) => {
        const code = line.replace(/\/\/.*$/, "");
        if (/^\s*\*/.test(code)) return; // doc comment line
        for (const rule of RULES) {
          if (rule.pattern.test(code)) {
            violations.push(
              `${relative(process.cwd(), file)}:${index + 1}: ${rule.why}\n    ${line.trim()}`,
            );
          }
        }
      });
    }
  }
  return violations;
}

const root = new URL("..", import.meta.url).pathname;
const args = process.argv.slice(2);
const dirs =
  args.length > 0 ? args : PROTOCOL_PACKAGES.map((name) => join(root, "packages", name, "src"));
const violations = findViolations(dirs);
if (violations.length > 0) {
  console.error(`purity check failed: ${violations.length} violation(s) of the sans-IO rule\n`);
  for (const line of violations) console.error(line);
  process.exit(1);
}
console.log(
  `purity check passed: ${dirs.length} protocol package(s), no clock, random, timer or node:* use`,
);
