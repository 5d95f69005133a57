import { describe, expect, it } from "vitest";
import { type Figure, textTable } from "./report.js";

const row = (figure: Figure): string => textTable([figure])[2] ?? "";

describe("textTable", () => {
  it("judges a minimum target by p2p itself", () => {
    const figure: Figure = {
      name: "delivered",
      unit: "%",
      p2p: 99.35,
      anchorName: "flooding",
      anchor: 100,
      target: { kind: "minimum", min: 100 },
    };
    expect(row(figure)).toContain("≥ 100.00 %");
    expect(row(figure)).toContain("not met (99.35 %)");
    expect(row({ ...figure, p2p: 100 })).toContain("| met (100.00 %)");
  });

  it("prints a count without a unit and a ratio against its anchor", () => {
    const line = row({
      name: "false removals",
      unit: "count",
      p2p: 1,
      anchorName: "Serf",
      anchor: 2,
      target: { kind: "absolute", max: 0 },
    });
    expect(line).toContain("| 1 ");
    expect(line).toContain("Serf 2");
    expect(line).toContain("0.500×");
    expect(line).toMatch(/\| ≤ 0 +\|/);
    expect(line).toContain("not met (1)");
  });

  it("refuses a row that would print NaN", () => {
    expect(() =>
      textTable([{ name: "broken", unit: "µs", p2p: Number.NaN, anchorName: "x", anchor: 1 }]),
    ).toThrow(/not a finite number/);
  });
});
