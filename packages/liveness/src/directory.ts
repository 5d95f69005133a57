import type { LivenessInput } from "./liveness-types.js";

/** What liveness needs to know of a member record of the seeds' directory. */
export interface DirectoryRecord {
  readonly address: string;
  readonly status: string;
  readonly neighbours: readonly string[];
  /** The record's incarnation; without it, a removed member is never readmitted from it. */
  readonly incarnation?: number;
}

/**
 * The neighbours of `address` that count (voters about it, and whom it may vote about): the
 * **mutual** edges of the directory — members that its own record lists *and* whose record
 * lists it back, sorted. A record's list is signed by its own peer (the seeds' transition
 * table), so no one can make themselves a member's neighbour by listing it alone: self-made
 * identities that list a peer do not become its voters.
 */
export function undirectedNeighbours(
  address: string,
  records: readonly DirectoryRecord[],
): string[] {
  return mutualNeighbours(address, new Map(records.map((record) => [record.address, record])));
}

/** {@link undirectedNeighbours} over records indexed by address (index once, ask many times). */
function mutualNeighbours(
  address: string,
  byAddress: ReadonlyMap<string, DirectoryRecord>,
): string[] {
  const own = byAddress.get(address)?.neighbours ?? [];
  return [...new Set(own)]
    .filter(
      (neighbour) =>
        neighbour !== address && (byAddress.get(neighbour)?.neighbours.includes(address) ?? false),
    )
    .sort();
}

/**
 * Every member linked to `address` in either direction: its own list plus every live member
 * that lists it, sorted. Not for votes (anyone can list anyone): for telling the members that
 * may hold a link to a removed peer to drop it.
 */
export function linkedMembers(address: string, records: readonly DirectoryRecord[]): string[] {
  const linked = new Set<string>();
  for (const record of records) {
    if (record.address === address) {
      for (const neighbour of record.neighbours) linked.add(neighbour);
    } else if (record.status === "alive" && record.neighbours.includes(address)) {
      linked.add(record.address);
    }
  }
  linked.delete(address);
  return [...linked].sort();
}

/** Where a peer stands when a directory snapshot arrives. */
export interface DirectorySnapshotContext {
  readonly self: string;
  /** This peer's neighbours. */
  readonly neighbours: readonly string[];
  /** The neighbours it suspects (`inspect().suspicions`). */
  readonly suspects: readonly string[];
  readonly now: number;
  readonly wallTimeMs?: number;
}

/**
 * Turns a directory snapshot into liveness inputs, to step in order:
 * - each neighbour's neighbour list (who may vote about it), with its incarnation when alive;
 * - for each suspect, every neighbour of it the seeds no longer list as alive is removed (so a
 *   vote round never waits for a voter that is itself dead), every live one is listed alive
 *   with its incarnation (one that rejoined after a removal votes again), and its list is
 *   narrowed to its live neighbours — a suspect whose other neighbours all crashed falls back
 *   to the seeds' own probe.
 */
export function directoryInputs(
  records: readonly DirectoryRecord[],
  context: DirectorySnapshotContext,
): LivenessInput[] {
  const { now, wallTimeMs } = context;
  const time = wallTimeMs === undefined ? { now } : { now, wallTimeMs };
  const inputs: LivenessInput[] = [];
  const byAddress = new Map(records.map((record) => [record.address, record]));
  const status = (address: string) => byAddress.get(address)?.status;
  /** The incarnation `address` is alive under, as an optional field. */
  const aliveUnder = (address: string) => {
    const record = byAddress.get(address);
    return record?.status === "alive" && record.incarnation !== undefined
      ? { incarnation: record.incarnation }
      : {};
  };
  for (const neighbour of [...context.neighbours].sort()) {
    inputs.push({
      type: "member-neighbours",
      ...time,
      address: neighbour,
      neighbours: mutualNeighbours(neighbour, byAddress),
      ...aliveUnder(neighbour),
    });
  }
  const told = new Set<string>();
  for (const suspect of [...context.suspects].sort()) {
    const neighbours = mutualNeighbours(suspect, byAddress);
    for (const neighbour of neighbours) {
      const known = byAddress.get(neighbour);
      if (known === undefined || neighbour === context.self || told.has(neighbour)) continue;
      told.add(neighbour);
      const { incarnation } = known;
      if (known.status !== "alive") {
        const removedUnder = incarnation === undefined ? {} : { incarnation };
        inputs.push({ type: "member-removed", ...time, address: neighbour, ...removedUnder });
      } else if (incarnation !== undefined) {
        inputs.push({ type: "member-alive", ...time, address: neighbour, incarnation });
      }
    }
    inputs.push({
      type: "member-neighbours",
      ...time,
      address: suspect,
      neighbours: neighbours.filter((neighbour) => status(neighbour) === "alive"),
      ...aliveUnder(suspect),
    });
  }
  return inputs;
}
