import type { MemberRecord } from "@p2p/quorum";

/**
 * The undirected neighbour set of `address` as the directory knows it: the member's own
 * advertised list plus every live member that lists it, sorted.
 */
export function undirectedNeighbours(address: string, records: readonly MemberRecord[]): string[] {
  const neighbours = new Set<string>();
  for (const record of records) {
    if (record.address === address) {
      for (const neighbour of record.neighbours) neighbours.add(neighbour);
    } else if (record.status === "alive" && record.neighbours.includes(address)) {
      neighbours.add(record.address);
    }
  }
  neighbours.delete(address);
  return [...neighbours].sort();
}

/** Each live member's degree in the undirected overlay the records describe. */
export function degreesOf(records: readonly MemberRecord[]): Map<string, number> {
  const alive = new Set(records.filter((r) => r.status === "alive").map((r) => r.address));
  const edges = new Set<string>();
  for (const record of records) {
    if (!alive.has(record.address)) continue;
    for (const neighbour of record.neighbours) {
      if (!alive.has(neighbour) || neighbour === record.address) continue;
      edges.add(
        record.address < neighbour
          ? `${record.address} ${neighbour}`
          : `${neighbour} ${record.address}`,
      );
    }
  }
  const degrees = new Map([...alive].map((member) => [member, 0]));
  for (const edge of edges) {
    const [a, b] = edge.split(" ") as [string, string];
    degrees.set(a, (degrees.get(a) ?? 0) + 1);
    degrees.set(b, (degrees.get(b) ?? 0) + 1);
  }
  return degrees;
}
