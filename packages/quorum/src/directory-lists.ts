import type { ListFetchReason } from "./directory-client-types.js";
import { LIST_WALK_START, type ListWalk, type ListWalkLimits, nextListPage } from "./list-pages.js";
import {
  type ListResponse,
  MAX_LIST_ADDRESSES,
  type MemberEntry,
  type MemberRecord,
} from "./messages.js";

/** A fetch of the seeds' lists that has ended: every seed asked gave its whole list, or failed. */
export interface FinishedFetch {
  readonly reason: ListFetchReason;
  /** The addresses asked for (a `records` fetch); undefined for a whole list. */
  readonly addresses: readonly string[] | undefined;
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
  readonly request: (
    seed: string,
    group: number,
    after: string | undefined,
    addresses: readonly string[] | undefined,
  ) => void;
  readonly finished: (fetch: FinishedFetch) => void;
}

/**
 * The directory client's list fetches: each asks some seeds for their lists and walks each
 * seed's pages one at a time. A seed's pages count only once it has sent its last one: a seed
 * that stops answering mid-way, passes `limits` or whose cursor does not advance is treated as
 * a seed that did not answer.
 */
export interface ListFetches {
  /**
   * Starts a fetch from `from` (finished at once when empty): whole lists, or with `addresses`
   * the records of those addresses only.
   */
  start(from: readonly string[], reason: ListFetchReason, addresses?: readonly string[]): void;
  /** A page from `seed` for fetch `group`, or undefined when its request failed. */
  answer(group: number, seed: string, page: ListResponse | undefined): void;
  /** True while a fetch for `reason` runs. */
  isRunning(reason: ListFetchReason): boolean;
  /** Fetches started since the client was made, by reason. */
  counts(): Readonly<Record<ListFetchReason, number>>;
  clear(): void;
}

/**
 * The queue of named-record fetches: addresses wanted and not yet asked for, and those the
 * running fetch asks for (one such fetch at a time). An address that the asked seeds did not
 * have (they may not have learned a fresh registration yet) is asked again after `retryMs`,
 * doubling, `attempts` times in all; then it is dropped (the origin may not exist).
 */
export interface RecordQueue {
  /** Adds `addresses` (but `self` and those being asked for) to what is wanted. */
  want(addresses: readonly string[], self: string): void;
  /** The next batch (at most `MAX_LIST_ADDRESSES`, sorted), now being asked for; empty when none. */
  take(): readonly string[];
  /**
   * The running fetch ended: the addresses it asked for that are not in `found` wait for their
   * next attempt.
   */
  done(found: readonly MemberRecord[], now: number): void;
  /** Moves the addresses whose retry is due at `now` back to what is wanted; true when any. */
  due(now: number): boolean;
  /** When the next retry is due; undefined when none waits. */
  nextDeadline(): number | undefined;
}

/** How a directory client asks again for records the seeds did not have. */
export interface RecordRetry {
  readonly retryMs: number;
  readonly attempts: number;
}

/** Creates the queue of a directory client's named-record fetches. */
export function createRecordQueue(retry: RecordRetry): RecordQueue {
  const wanted = new Set<string>();
  let asked: readonly string[] = [];
  /** Addresses missed so far: how many fetches missed them, and when to ask again. */
  const missed = new Map<string, { misses: number; at: number | undefined }>();
  return {
    want(addresses, self) {
      for (const address of addresses) {
        if (address !== self && !asked.includes(address)) wanted.add(address);
      }
    },
    take() {
      const batch = [...wanted].sort().slice(0, MAX_LIST_ADDRESSES);
      for (const address of batch) wanted.delete(address);
      if (batch.length > 0) asked = batch;
      return batch;
    },
    done(found, now) {
      const batch = asked;
      asked = [];
      const have = new Set(found.map((record) => record.address));
      for (const address of batch) {
        const misses = (missed.get(address)?.misses ?? 0) + 1;
        if (have.has(address) || misses >= retry.attempts) missed.delete(address);
        else missed.set(address, { misses, at: now + retry.retryMs * 2 ** (misses - 1) });
      }
    },
    due(now) {
      let any = false;
      for (const [address, entry] of missed) {
        if (entry.at === undefined || entry.at > now) continue;
        entry.at = undefined;
        wanted.add(address);
        any = true;
      }
      return any;
    },
    nextDeadline() {
      let next: number | undefined;
      for (const { at } of missed.values())
        if (at !== undefined && (next === undefined || at < next)) next = at;
      return next;
    },
  };
}

interface SeedWalk {
  position: ListWalk;
  readonly entries: MemberEntry[];
}

interface Fetch {
  readonly reason: ListFetchReason;
  readonly addresses: readonly string[] | undefined;
  readonly seeds: readonly string[];
  /** Seeds whose pages are still coming. */
  readonly walks: Map<string, SeedWalk>;
  answered: number;
  readonly latest: Map<string, MemberEntry>;
}

/** Creates the list fetches of a directory client. */
export function createListFetches(host: ListFetchesHost, limits: ListWalkLimits): ListFetches {
  const fetches = new Map<number, Fetch>();
  const counts: Record<ListFetchReason, number> = {
    joined: 0,
    requested: 0,
    refresh: 0,
    records: 0,
  };
  let groupSequence = 0;

  const finish = (group: number, fetch: Fetch): void => {
    fetches.delete(group);
    const records = [...fetch.latest.values()]
      .map((entry) => entry.record)
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0));
    const { reason, addresses, seeds, answered } = fetch;
    host.finished({ reason, addresses, seeds, answered, records });
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
    start(from, reason, addresses) {
      counts[reason] += 1;
      const group = ++groupSequence;
      const seeds = [...from].sort();
      const walks = new Map(
        seeds.map((seed) => [seed, { position: LIST_WALK_START, entries: [] }]),
      );
      const fetch: Fetch = { reason, addresses, seeds, walks, answered: 0, latest: new Map() };
      fetches.set(group, fetch);
      for (const seed of from) host.request(seed, group, undefined, addresses);
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
        host.request(seed, group, step.walk.after, fetch.addresses);
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
    counts: () => ({ ...counts }),
    clear: () => fetches.clear(),
  };
}
