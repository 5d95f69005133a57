import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { runCli } from "./cli.js";

function capture() {
  const out: string[] = [];
  const err: string[] = [];
  return {
    out,
    err,
    io: {
      stdout: (line: string) => out.push(line),
      stderr: { write: (text: string) => err.push(text) > 0, isTTY: false },
    },
  };
}

describe("topology CLI (in process)", () => {
  it("simulate prints a verdict and writes SVG and PNG plots", async () => {
    const dir = mkdtempSync(join(tmpdir(), "topology-"));
    const { out, io } = capture();
    const code = await runCli(
      ["simulate", "--nodes", "200", "--k", "2", "--seed", "5", "--bootstrap", "20", "--out", dir],
      io,
    );
    expect(code).toBe(0);
    expect(out.join("\n")).toMatch(
      /power law: α = \d\.\d\d ± \d\.\d\d, xmin = \d+, p = \d\.\d\d — /,
    );
    expect(out.join("\n")).toMatch(/connected: yes/);
    for (const name of ["degree-ccdf", "overlay"]) {
      expect(readFileSync(join(dir, `${name}.svg`), "utf8")).toMatch(/^<svg/);
      const png = readFileSync(join(dir, `${name}.png`));
      expect(png.subarray(1, 4).toString()).toBe("PNG");
    }
    const report = JSON.parse(readFileSync(join(dir, "report.json"), "utf8"));
    expect(report.nodes).toBe(200);
  });

  it("analyze reads a CSV edge list", async () => {
    const dir = mkdtempSync(join(tmpdir(), "topology-"));
    const file = join(dir, "edges.csv");
    const lines = ["source,target"];
    for (let i = 1; i < 60; i++) lines.push(`10.0.0.${i}:5000,10.0.0.${Math.floor(i / 3)}:5000`);
    writeFileSync(file, lines.join("\n"));
    const { out, io } = capture();
    expect(
      await runCli(["analyze", file, "--bootstrap", "10", "--out", join(dir, "plots")], io),
    ).toBe(0);
    expect(out.join("\n")).toMatch(/nodes 60, edges 59/);
  });

  it("bad arguments give one line and exit 64; --help exits 0", async () => {
    for (const argv of [
      ["simulate", "--nodes", "abc"],
      ["simulate", "--nodes", "0"],
      ["simulate"],
      ["simulate", "--nodes", "10", "--bogus"],
      ["analyze", "edges.txt"],
      ["frobnicate"],
    ]) {
      const { err, io } = capture();
      expect(await runCli(argv, io), argv.join(" ")).toBe(64);
      expect(err.join("").trim().split("\n")).toHaveLength(1);
      expect(err.join("")).toMatch(/^topology: /);
    }
    const { out, io } = capture();
    expect(await runCli(["--help"], io)).toBe(0);
    expect(out.join("\n")).toMatch(/simulate/);
  });
});
