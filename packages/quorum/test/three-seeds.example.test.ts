import { expect, it, vi } from "vitest";

it("the README example runs: all three seeds end with the committed registration", async () => {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...parts: unknown[]) => {
    lines.push(
      parts.map((part) => (typeof part === "string" ? part : JSON.stringify(part))).join(" "),
    );
  });
  try {
    await import("./three-seeds.example.js");
  } finally {
    spy.mockRestore();
  }
  for (const seed of ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"]) {
    expect(lines).toContain(`${seed} ["10.1.0.7:6000 alive v0"]`);
  }
});
