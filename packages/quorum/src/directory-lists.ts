import type { MembersReason } from "./directory-client-types.js";
import { LIST_WALK_START, type ListWalk, type ListWalkLimits, nextListPage } from "./list-pages.js";
import type { ListResponse, MemberEntry, MemberRecord } from "./messages.js";

/** A fetch of the seeds' lists that has ended: every seed asked gave its whole list, or failed. */
export interface FinishedFetch {
  readonly reason: MembersReason;
  /** The seeds asked, sorted. */
  readonly seeds: readonly string[];
  /** How many of them gave a whole list. */
  readonly answered: number;
  /** The union of the whole lists (the higher version of a record wins), sorted by address. */
  readonly records: readonly MemberRecord[];
}

/** What the list fetches need from the directory client. */
export interface ListFetchesHost {
  /** Sends one page request to `seed`; its answer (or failure) comes back through `answer`. */
  readonly request: (seed: string, group: number, after: string | undefined) => void;
  readonly finished: (fetch: FinishedFetch) => void;
}

/**
 * The directory client's list fetches: each asks some seeds for their lists and walks each
 * seed's pages one at a time. A seed's pages count only once it has sent its last one: a seed
 * that stops answering mid-way, passes `limits` or whose cursor does not advance is treated as
 * a seed that did not answer.
 */
export interface ListFetches {
  /** Starts a fetch from `from` (finished at once when empty). */
  start(from: readonly string[], reason: MembersReason): void;
  /** A page from `seed` for fetch `group`, or undefined when its request failed. */
  answer(group: number, seed: string, page: ListResponse | undefined): void;
  /** True while a fetch for `reason` runs. */
  isRunning(reason: MembersReason): boolean;
  clear(): void;
}

interface SeedWalk {
  position: ListWalk;
  readonly entries: MemberEntry[];
}

interface Fetch {
  readonly reason: MembersReason;
  readonly seeds: readonly string[];
  /** Seeds whose pages are still coming. */
  readonly walks: Map<string, SeedWalk>;
  answered: number;
  readonly latest: Map<string, MemberEntry>;
}

/** Creates the list fetches of a directory client. */
export function createListFetches(host: ListFetchesHost, limits: ListWalkLimits): ListFetches {
  const fetches = new Map<number, Fetch>();
  let groupSequence = 0;

  const finish = (group: number, fetch: Fetch): void => {
    fetches.delete(group);
    const records = [...fetch.latest.values()]
      .map((entry) => entry.record)
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    host.finished({ reason: fetch.reason, seeds: fetch.seeds, answered: fetch.answered, records });
  };

  const keepLatest = (latest: Map<string, MemberEntry>, entries: readonly MemberEntry[]) => {
    for (const entry of entries) {
      const known = latest.get(entry.record.address);
      if (known === undefined || entry.version > known.version) {
        latest.set(entry.record.address, entry);
      }
    }
  };

  return {
    start(from, reason) {
      const group = ++groupSequence;
      const seeds = [...from].sort();
      const walks = new Map(
        seeds.map((seed) => [seed, { position: LIST_WALK_START, entries: [] }]),
      );
      const fetch: Fetch = { reason, seeds, walks, answered: 0, latest: new Map() };
      fetches.set(group, fetch);
      for (const seed of from) host.request(seed, group, undefined);
      if (from.length === 0) finish(group, fetch);
    },
    answer(group, seed, page) {
      const fetch = fetches.get(group);
      const walk = fetch?.walks.get(seed);
      if (fetch === undefined || walk === undefined) return;
      const step = page === undefined ? undefined : nextListPage(walk.position, page, limits);
      if (page !== undefined && step?.type === "next") {
        walk.entries.push(...page.members);
        walk.position = step.walk;
        host.request(seed, group, step.walk.after);
        return;
      }
      fetch.walks.delete(seed);
      if (page !== undefined && step?.type === "done") {
        fetch.answered += 1;
        keepLatest(fetch.latest, walk.entries);
        keepLatest(fetch.latest, page.members);
      }
      if (fetch.walks.size === 0) finish(group, fetch);
    },
    isRunning: (reason) => [...fetches.values()].some((fetch) => fetch.reason === reason),
    clear: () => fetches.clear(),
  };
}
