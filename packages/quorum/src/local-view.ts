import { type Ballot, compareBallots } from "./ballot.js";
import { isCompacted } from "./membership.js";
import type { MemberEntry, MemberRecord } from "./messages.js";
import type { SeedRegistryEvent } from "./seed-registry-types.js";
import type { AcceptorState } from "./storage.js";

/**
 * A seed's local view: the latest committed record it knows per address. After a restart it
 * holds only what the acceptor state marks committed; every other key the acceptor holds is
 * listed in `unconfirmed`, for the registry to quorum-read.
 */
export interface LocalView {
  /** The ballot of the latest value known for `key`. */
  ballotOf(key: string): Ballot | undefined;
  entry(key: string): MemberEntry | undefined;
  /**
   * Every record (tombstones included), sorted by address. The same array (and entries) until
   * the view changes: a walk through many pages sorts the directory once, not once a page.
   */
  list(): readonly MemberEntry[];
  /** Records `value` as committed at `ballot` (an older ballot is ignored); the events it makes. */
  learn(key: string, ballot: Ballot, value: MemberRecord | null): SeedRegistryEvent[];
  /** Keys accepted before a restart but not known committed (to re-learn by quorum read). */
  readonly unconfirmed: string[];
  /** True when some tombstone of the view is not compacted yet. */
  hasTombstones(): boolean;
}

/** Builds the view from the acceptor states loaded at start. */
export function createLocalView(initial: ReadonlyMap<string, AcceptorState>): LocalView {
  const view = new Map<string, { ballot: Ballot; value: MemberRecord | null }>();
  const unconfirmed: string[] = [];
  for (const [key, state] of [...initial].sort(([a], [b]) => (a < b ? -1 : 1))) {
    if (state.accepted === null) continue;
    if (state.accepted.committed === true) {
      view.set(key, { ballot: state.accepted.ballot, value: state.accepted.value });
    } else {
      unconfirmed.push(key);
    }
  }

  const entry = (key: string): MemberEntry | undefined => {
    const known = view.get(key);
    if (known === undefined || known.value === null) return undefined;
    return { record: known.value, version: known.ballot.counter };
  };

  /** The sorted list as of the last change (undefined: rebuild at the next `list`). */
  let sorted: readonly MemberEntry[] | undefined;

  return {
    ballotOf: (key) => view.get(key)?.ballot,
    entry,
    list() {
      sorted ??= Object.freeze(
        [...view.keys()]
          .sort()
          .map(entry)
          .filter((found): found is MemberEntry => found !== undefined),
      );
      return sorted;
    },
    learn(key, ballot, value) {
      const known = view.get(key);
      if (known !== undefined && compareBallots(known.ballot, ballot) >= 0) return [];
      view.set(key, { ballot, value });
      sorted = undefined;
      return changeEvents(known?.value ?? undefined, value);
    },
    unconfirmed,
    hasTombstones: () =>
      [...view.values()].some(
        ({ value }) => value !== null && value.status !== "alive" && !isCompacted(value),
      ),
  };
}

/** The events of a record changing from `before` to `value` in the view. */
function changeEvents(
  before: MemberRecord | undefined,
  value: MemberRecord | null,
): SeedRegistryEvent[] {
  if (value === null) return [];
  if (value.status === "dead" || value.status === "left") {
    if (before?.status === value.status && before.incarnation === value.incarnation) return [];
    return [{ type: value.status === "dead" ? "member-removed" : "member-left", record: value }];
  }
  if (
    before === undefined ||
    before.status !== "alive" ||
    before.incarnation !== value.incarnation
  ) {
    return [{ type: "member-registered", record: value }];
  }
  if (JSON.stringify(before) === JSON.stringify(value)) return [];
  return [{ type: "member-updated", record: value }];
}

/** The quorum reads of the keys a restart left unconfirmed, at most `atOnce` in flight. */
export interface RestartReads {
  /** Keys to read now (as many as there is room for); each must end with `completed`. */
  take(): string[];
  completed(): void;
  /** True when keys wait and there is room for a read. */
  readonly isDue: boolean;
}

/** Creates the restart reads of `keys`. */
export function createRestartReads(keys: readonly string[], atOnce: number): RestartReads {
  const waiting = [...keys];
  let inFlight = 0;
  return {
    take() {
      const taken = waiting.splice(0, Math.max(0, atOnce - inFlight));
      inFlight += taken.length;
      return taken;
    },
    completed() {
      inFlight = Math.max(0, inFlight - 1);
    },
    get isDue() {
      return waiting.length > 0 && inFlight < atOnce;
    },
  };
}
