#!/usr/bin/env node
// Checks every workspace package the way a user installing it from the registry would meet it:
//
//   1. builds everything (`turbo run build`; cached builds are reused);
//   2. packs every package with pnpm (so `workspace:^` becomes a real version range, exactly
//      as `changeset publish` will publish it) into a temporary directory;
//   3. runs publint on each tarball, strict (warnings count as errors; suggestions are shown);
//   4. runs attw (Are the Types Wrong?) on each tarball with `--profile esm-only`: every
//      package is ESM-only (`"type": "module"`, no `require` condition, Node >= 20.19), so
//      resolution through `require` (node16 from CJS) and the pre-`exports` node10 resolution
//      are out of scope, while node16-from-ESM and bundler resolution stay fully checked.
//      `--ignore-rules cjs-resolves-to-esm` alone would still fail every subpath export of
//      @p2p/wire under node10, which no supported consumer uses;
//   5. checks the manifest fields every published package must carry (license, repository
//      directory, LICENSE and README in the tarball, no test files);
//   6. runs every bin once with `--version` (must print the package version) and `--help`
//      (must print a usage), both exiting 0.
//
// Prints one line per package and exits 1 naming each package and its problem.
// Usage: node scripts/check-packages.mjs [--no-build]

import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { publint } from "publint";
import { formatMessage } from "publint/utils";

const root = resolve(fileURLToPath(new URL("..", import.meta.url)));
const bin = (name) => join(root, "node_modules", ".bin", name);
const rootManifest = readJson(join(root, "package.json"));
const pnpmSpec = rootManifest.packageManager; // e.g. "pnpm@10.34.9"
const REPOSITORY_URL = "git+https://github.com/p2p-dev/p2p.git";
const BIN_TIMEOUT_MS = 30_000;

/** Reads and parses a JSON file. */
function readJson(path) {
  return JSON.parse(readFileSync(path, "utf8"));
}

/** Every publishable workspace package: its directory (relative to the root) and manifest. */
function workspacePackages() {
  const found = [];
  for (const group of ["packages", "apps"]) {
    for (const name of readdirSync(join(root, group)).sort()) {
      const dir = `${group}/${name}`;
      const manifestPath = join(root, dir, "package.json");
      if (!existsSync(manifestPath)) continue;
      found.push({ dir, manifest: readJson(manifestPath) });
    }
  }
  return found;
}

/** Runs a command to completion, collecting its output; never throws. */
function run(command, args, options = {}) {
  return new Promise((done) => {
    const child = spawn(command, args, { cwd: root, ...options });
    let stdout = "";
    let stderr = "";
    child.stdout?.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
    child.on("error", (error) => {
      clearTimeout(timer);
      done({ code: -1, stdout, stderr: `${stderr}${error.message}` });
    });
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      done({ code: code ?? (signal ? 128 : 1), stdout, stderr });
    });
  });
}

/** Runs `task` over `items` with at most `limit` running at once, keeping the order of results. */
async function mapLimit(items, limit, task) {
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index], index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** The last lines of a command's output, indented, for a failure report. */
function tail(text, lines = 20) {
  return text
    .trimEnd()
    .split("\n")
    .slice(-lines)
    .map((line) => `      ${line}`)
    .join("\n");
}

/** Problems with the manifest fields and tarball contents every published package needs. */
function manifestProblems({ dir, manifest }, files) {
  const problems = [];
  if (manifest.private) problems.push(`is private; published packages must not be`);
  if (manifest.license !== "MIT") {
    problems.push(`license is ${JSON.stringify(manifest.license)}, expected "MIT"`);
  }
  if (manifest.repository?.url !== REPOSITORY_URL || manifest.repository?.directory !== dir) {
    problems.push(`repository must be { url: "${REPOSITORY_URL}", directory: "${dir}" }`);
  }
  if (manifest.publishConfig?.access !== "public") {
    problems.push(`publishConfig.access must be "public" (scoped packages publish private)`);
  }
  for (const required of ["LICENSE", "README.md", "package.json"]) {
    if (!files.includes(required)) problems.push(`${required} is missing from the tarball`);
  }
  const tests = files.filter((file) => /\.test\.[cm]?[jt]s$/.test(file));
  if (tests.length > 0) problems.push(`ships test files: ${tests.join(", ")}`);
  return problems;
}

/** Problems found by publint in a packed tarball (strict: warnings are errors). */
async function publintProblems(tarballPath) {
  const tarball = readFileSync(tarballPath);
  const { messages, pkg } = await publint({
    pack: {
      tarball: tarball.buffer.slice(tarball.byteOffset, tarball.byteOffset + tarball.length),
    },
    level: "suggestion",
    strict: true,
  });
  const problems = [];
  const notes = [];
  for (const message of messages) {
    const text = `publint: ${formatMessage(message, pkg, { color: false }) ?? message.code}`;
    (message.type === "suggestion" ? notes : problems).push(text);
  }
  return { problems, notes };
}

/** Problems found by attw in a packed tarball (see the profile choice above). */
async function attwProblems(tarballPath) {
  const result = await run(bin("attw"), [
    tarballPath,
    "--profile",
    "esm-only",
    "--format",
    "ascii",
    "--no-color",
    "--no-emoji",
    "--no-summary",
  ]);
  return result.code === 0 ? [] : [`attw found type resolution problems:\n${tail(result.stdout)}`];
}

/** Problems running each bin of a package with --version and --help. */
async function binProblems({ dir, manifest }) {
  const bins = typeof manifest.bin === "string" ? { [manifest.name]: manifest.bin } : manifest.bin;
  const problems = [];
  for (const [name, path] of Object.entries(bins ?? {})) {
    const file = join(root, dir, path);
    if (!existsSync(file)) {
      problems.push(`bin ${name}: ${dir}/${path} does not exist`);
      continue;
    }
    const version = await run(process.execPath, [file, "--version"], { timeoutMs: BIN_TIMEOUT_MS });
    if (version.code !== 0) {
      problems.push(`bin ${name} --version exited ${version.code}:\n${tail(version.stderr)}`);
    } else if (version.stdout.trim() !== manifest.version) {
      problems.push(
        `bin ${name} --version printed ${JSON.stringify(version.stdout.trim())}, expected ${manifest.version}`,
      );
    }
    const help = await run(process.execPath, [file, "--help"], { timeoutMs: BIN_TIMEOUT_MS });
    if (help.code !== 0) {
      problems.push(`bin ${name} --help exited ${help.code}:\n${tail(help.stderr)}`);
    } else if (!/usage/i.test(help.stdout)) {
      problems.push(`bin ${name} --help printed no usage`);
    }
  }
  return { problems, names: Object.keys(bins ?? {}) };
}

/** Builds every package; exits 1 when the build fails. */
function build() {
  const started = Date.now();
  // Through pnpm, so turbo finds the package manager even when this script is run with plain node.
  const args = ["-y", pnpmSpec, "exec", "turbo", "run", "build", "--output-logs=errors-only"];
  const result = spawnSync("npx", args, { cwd: root, stdio: "inherit" });
  if (result.status !== 0) {
    console.error("check-packages: `turbo run build` failed; fix the build first");
    process.exit(1);
  }
  console.log(`built every package in ${((Date.now() - started) / 1000).toFixed(1)} s`);
}

/** Packs every package into `destination`; returns the tarball path and file list by name. */
async function packAll(packages, destination) {
  const filters = packages.flatMap(({ dir }) => ["--filter", `./${dir}`]);
  const result = await run("npx", [
    "-y",
    pnpmSpec,
    "-r",
    ...filters,
    "pack",
    "--pack-destination",
    destination,
    "--json",
  ]);
  if (result.code !== 0) {
    console.error(`check-packages: pnpm pack failed:\n${tail(result.stderr || result.stdout)}`);
    process.exit(1);
  }
  const packed = JSON.parse(result.stdout);
  return new Map(
    (Array.isArray(packed) ? packed : [packed]).map((entry) => [
      entry.name,
      { tarball: entry.filename, files: entry.files.map((file) => file.path) },
    ]),
  );
}

async function main() {
  const started = Date.now();
  if (!process.argv.includes("--no-build")) build();
  const packages = workspacePackages().filter(({ manifest }) => {
    if (manifest.private) console.log(`skip ${manifest.name} (private)`);
    return !manifest.private;
  });
  const destination = mkdtempSync(join(tmpdir(), "p2p-packages-"));
  try {
    const packed = await packAll(packages, destination);
    const width = Math.max(...packages.map(({ manifest }) => manifest.name.length));
    const reports = await mapLimit(packages, 2, async (entry) => {
      const tarball = packed.get(entry.manifest.name);
      if (!tarball) return { problems: ["pnpm pack produced no tarball"], notes: [], bins: [] };
      const linted = await publintProblems(tarball.tarball);
      const types = await attwProblems(tarball.tarball);
      const bins = await binProblems(entry);
      return {
        problems: [
          ...manifestProblems(entry, tarball.files),
          ...linted.problems,
          ...types,
          ...bins.problems,
        ],
        notes: linted.notes,
        bins: bins.names,
      };
    });
    const failed = [];
    packages.forEach(({ dir, manifest }, index) => {
      const { problems, notes, bins } = reports[index];
      const name = manifest.name.padEnd(width);
      const binText = bins.length > 0 ? `, bins ${bins.join(" ")} --version --help` : "";
      if (problems.length === 0) {
        console.log(`ok   ${name}  ${dir}: publint, attw, manifest${binText}`);
      } else {
        failed.push(manifest.name);
        console.log(`FAIL ${name}  ${dir}`);
        for (const problem of problems) console.log(`    ${manifest.name}: ${problem}`);
      }
      for (const note of notes) console.log(`    note ${manifest.name}: ${note}`);
    });
    const seconds = ((Date.now() - started) / 1000).toFixed(1);
    if (failed.length > 0) {
      console.error(`check-packages: ${failed.length} package(s) failed: ${failed.join(", ")}`);
      process.exitCode = 1;
    } else {
      console.log(`check-packages: ${packages.length} packages ok in ${seconds} s`);
    }
  } finally {
    rmSync(destination, { recursive: true, force: true });
  }
}

await main();
