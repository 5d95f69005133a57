import { BoundedMap } from "@p2p/wire";

/** What a peer remembers of one member the seeds removed. */
interface Removal {
  /** The highest incarnation it was removed under. */
  removed: number;
  /** The highest incarnation the seeds' directory listed it alive under since, if any. */
  alive: number | undefined;
}

const isExcluded = (removal: Removal | undefined): boolean =>
  removal !== undefined && (removal.alive === undefined || removal.alive <= removal.removed);

/**
 * The members the seeds removed, by address, with the highest incarnation removed; at most
 * `maxEntries`, the least recently removed forgotten first. A removed member is excluded (no
 * voter, its directory list ignored) until the directory lists it alive under a higher
 * incarnation: a record of a higher incarnation is a new member.
 */
export function createRemovedMembers(maxEntries: number) {
  const table = new BoundedMap<string, Removal>(maxEntries);
  return {
    /**
     * Records that `address` was removed under `incarnation` (undefined: the latest one known
     * for it, else 0). Returns false, changing nothing, for a removal of an incarnation older
     * than one the directory has since listed alive (a late notice about the former member).
     */
    remove(address: string, incarnation: number | undefined): boolean {
      const known = table.peek(address);
      const at = incarnation ?? known?.alive ?? known?.removed ?? 0;
      if (known?.alive !== undefined && at < known.alive) return false;
      table.set(address, { removed: Math.max(at, known?.removed ?? at), alive: known?.alive });
      return true;
    },
    /**
     * The directory lists `address` alive under `incarnation`. Returns true when that readmits
     * an excluded member (it rejoined under a higher incarnation than it was removed under).
     */
    alive(address: string, incarnation: number): boolean {
      const known = table.peek(address);
      if (known === undefined || incarnation <= known.removed) return false;
      const wasExcluded = isExcluded(known);
      known.alive = Math.max(known.alive ?? incarnation, incarnation);
      return wasExcluded;
    },
    /** True while `address` is a removed member that has not rejoined. */
    isExcluded: (address: string): boolean => isExcluded(table.peek(address)),
    /** Removed members remembered (readmitted ones included, until forgotten). */
    get size(): number {
      return table.size;
    },
  };
}
