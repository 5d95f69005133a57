#!/usr/bin/env node
// The sans-IO rule, enforced: protocol packages never touch the clock, randomness,
// timers or Node's I/O modules. Time, random sources and storage are injected.
// Usage: node scripts/check-purity.mjs [package-dir ...]   (exit 1 on any violation)
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { pathToFileURL } from "node:url";

export const PROTOCOL_PACKAGES = ["sim", "quorum", "gossip", "liveness", "topology"];

/**
 * A regex source matching `object.name`, `object?.name` and `object["name"]` (any quote) for any of
 * `names`, so `Date["now"]` and `const clock = Date.now` are caught as well as `Date.now()`.
 */
function member(object, names) {
  const name = `(?:${names.join("|")})`;
  return `\\b${object}\\s*(?:\\?\\.|\\.)\\s*${name}\\b|\\b${object}\\s*(?:\\?\\.)?\\[\\s*(["'\`])${name}\\1\\s*\\]`;
}

/** A regex source matching `{ ..., name, ... } = object` for any of `names`. */
function destructured(object, names) {
  return `\\{[^}]*\\b(?:${names.join("|")})\\b[^}]*\\}\\s*=\\s*(?:globalThis\\s*\\.\\s*)?${object}\\b`;
}

function either(...sources) {
  return new RegExp(sources.map((source) => `(?:${source})`).join("|"));
}

const TIMERS = ["setTimeout", "setInterval", "setImmediate", "queueMicrotask"];
const GLOBAL_OBJECT = "(?:globalThis|global|window|self)";

// One violation per line at most: the first rule that matches.
const RULES = [
  {
    pattern: either(member("Date", ["now"]), destructured("Date", ["now"])),
    why: "reads the wall clock; take `now` as an input",
  },
  {
    // `new Date()`, `new Date`, `Date()`; `new Date(ms)` converts a given time and is fine
    pattern: /(?<![\w$.])(?:new\s+Date\b(?!\s*\(\s*[^)\s])|Date\s*\(\s*\))/,
    why: "reads the wall clock; take `now` as an input",
  },
  {
    pattern: either(member("Math", ["random"]), destructured("Math", ["random"])),
    why: "unseeded randomness; inject a seeded random source",
  },
  {
    pattern: either(member("performance", ["now"]), destructured("performance", ["now"])),
    why: "reads a clock; take `now` as an input",
  },
  {
    pattern: either(member("process", ["hrtime"]), destructured("process", ["hrtime"])),
    why: "reads a clock; take `now` as an input",
  },
  {
    pattern: either(`\\b(?:${TIMERS.join("|")})\\s*\\(`, member(GLOBAL_OBJECT, TIMERS)),
    why: "arms a real timer; emit a timer output instead",
  },
  {
    pattern: new RegExp(member(GLOBAL_OBJECT, ["Date", "Math", "performance", "process"])),
    why: "reaches a clock, randomness or the process through the global object; take it as an input",
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
        const rule = RULES.find((candidate) => candidate.pattern.test(code));
        if (rule !== undefined) {
          violations.push(
            `${relative(process.cwd(), file)}:${index + 1}: ${rule.why}\n    ${line.trim()}`,
          );
        }
      });
    }
  }
  return violations;
}

function main() {
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
}

// Run as a script; imported (by its test), only export.
if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main();
}
