import type { NodeView } from "./manager-types.js";

/** The `list` command's table: role, address, PID and state, one padded row per node. */
export function formatNodeTable(nodes: readonly NodeView[]): string[] {
  const rows = nodes.map((node) => [node.role, node.address, String(node.pid ?? "-"), node.state]);
  const table = [["role", "address", "pid", "state"], ...rows];
  const widths = [0, 1, 2].map((column) =>
    Math.max(...table.map((row) => (row[column] ?? "").length)),
  );
  return table.map((row) =>
    row
      .map((cell, column) => cell.padEnd(widths[column] ?? 0))
      .join("  ")
      .trimEnd(),
  );
}
