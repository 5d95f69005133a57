import type { MemberEntry } from "./messages.js";

/**
 * How a seed cuts its list into pages: a page ends before the entry that would take its
 * estimated encoded size past `maxPageBytes`, or after `maxPageEntries` entries. A page always
 * holds at least one entry when any is left (so a reader always makes progress).
 */
export interface ListPageLimits {
  readonly maxPageBytes: number;
  readonly maxPageEntries: number;
}

/**
 * A seed's page limits: an estimated 64 KiB (a sixteenth of the 1 MiB frame limit) and 250
 * entries. The reader decodes, validates and merges a page in one step of its event loop, so
 * the page size bounds that step: a 1,000-entry page (about 180 KB) took 10–20 ms of CPU in a
 * process hosting 125 peers, a page of 250 about a quarter of that.
 */
export const DEFAULT_LIST_PAGE_LIMITS: ListPageLimits = Object.freeze({
  maxPageBytes: 64 * 1024,
  maxPageEntries: 250,
});

/**
 * The bounds a reader puts on one walk through one seed's pages: a seed that sends more pages
 * or more entries than this (or a cursor that does not advance) is treated as one that did not
 * answer.
 */
export interface ListWalkLimits {
  readonly maxPages: number;
  readonly maxEntries: number;
}

/** A reader's default bounds: 10,000 pages and 100,000 entries from one seed. */
export const DEFAULT_LIST_WALK_LIMITS: ListWalkLimits = Object.freeze({
  maxPages: 10_000,
  maxEntries: 100_000,
});

/** Bytes a message's envelope takes besides its entries (type, request id, cursor, headers). */
const PAGE_OVERHEAD_BYTES = 1_024;

/**
 * An upper bound on the MessagePack size of `value`: linear in its size, no encoding. Strings
 * count their UTF-8 bytes, numbers 9, containers their header and every key and value.
 */
export function estimateEncodedBytes(value: unknown): number {
  switch (typeof value) {
    case "string":
      return 5 + utf8Bytes(value);
    case "number":
    case "bigint":
      return 9;
    case "object": {
      if (value === null) return 1;
      if (ArrayBuffer.isView(value)) return 5 + value.byteLength;
      if (value instanceof ArrayBuffer) return 5 + value.byteLength;
      let total = 5;
      if (Array.isArray(value)) {
        for (const item of value) total += estimateEncodedBytes(item);
        return total;
      }
      for (const [key, field] of Object.entries(value)) {
        if (field !== undefined) total += estimateEncodedBytes(key) + estimateEncodedBytes(field);
      }
      return total;
    }
    default:
      return 1; // boolean, undefined (nil)
  }
}

function utf8Bytes(text: string): number {
  let bytes = text.length;
  for (let index = 0; index < text.length; index++) {
    const code = text.charCodeAt(index);
    if (code > 0x7ff) bytes += 2;
    else if (code > 0x7f) bytes += 1;
  }
  return bytes;
}

/** A page of a list: its entries and the cursor of the next page (null: this is the last). */
export interface ListPage {
  readonly members: MemberEntry[];
  readonly next: string | null;
}

/**
 * The page of `entries` (sorted by address) after the cursor `after` (every entry when
 * undefined): at most `limit` entries (capped by the seed's limits), within the byte budget.
 * `next` is the address of the page's last entry, or null when nothing follows. Entries go out
 * without the peers' signed requests: a directory snapshot is read, not checked.
 */
export function listPage(
  entries: readonly MemberEntry[],
  cursor: { readonly after?: string | undefined; readonly limit?: number | undefined },
  limits: ListPageLimits = DEFAULT_LIST_PAGE_LIMITS,
): ListPage {
  const maxEntries = Math.min(cursor.limit ?? limits.maxPageEntries, limits.maxPageEntries);
  let index = cursor.after === undefined ? 0 : firstAfter(entries, cursor.after);
  const members: MemberEntry[] = [];
  let bytes = PAGE_OVERHEAD_BYTES;
  for (; index < entries.length && members.length < maxEntries; index++) {
    const { entry, size } = listed(entries[index] as MemberEntry);
    if (members.length > 0 && bytes + size > limits.maxPageBytes) break;
    members.push(entry);
    bytes += size;
  }
  const last = members.at(-1);
  return {
    members,
    next: index < entries.length && last !== undefined ? last.record.address : null,
  };
}

/**
 * The page of the named records: the entries of `addresses` found in `entries` (sorted by
 * address), each once, in address order, within the byte budget (a record that would take the
 * page past it is left out, so the answer stays one frame); `next` is null.
 */
export function listNamed(
  entries: readonly MemberEntry[],
  addresses: readonly string[],
  limits: ListPageLimits = DEFAULT_LIST_PAGE_LIMITS,
): ListPage {
  const members: MemberEntry[] = [];
  let bytes = PAGE_OVERHEAD_BYTES;
  for (const address of [...new Set(addresses)].sort()) {
    const index = firstAfter(entries, address) - 1;
    const stored = entries[index];
    if (stored === undefined || stored.record.address !== address) continue;
    const { entry, size } = listed(stored);
    if (members.length > 0 && bytes + size > limits.maxPageBytes) continue;
    if (members.length >= limits.maxPageEntries) break;
    members.push(entry);
    bytes += size;
  }
  return { members, next: null };
}

/** The index of the first entry whose address sorts after `after` (binary search). */
function firstAfter(entries: readonly MemberEntry[], after: string): number {
  let low = 0;
  let high = entries.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if ((entries[middle] as MemberEntry).record.address <= after) low = middle + 1;
    else high = middle;
  }
  return low;
}

/**
 * An entry as a page carries it, and its size bound, kept per entry object: a seed's view hands
 * out the same entries until they change, so a directory read many times is measured once.
 */
const listedEntries = new WeakMap<MemberEntry, { entry: MemberEntry; size: number }>();

function listed(stored: MemberEntry): { entry: MemberEntry; size: number } {
  let found = listedEntries.get(stored);
  if (found === undefined) {
    const entry = withoutProof(stored);
    found = { entry, size: estimateEncodedBytes(entry) };
    listedEntries.set(stored, found);
  }
  return found;
}

function withoutProof(entry: MemberEntry): MemberEntry {
  if (entry.record.proof === undefined) return entry;
  const { proof: _, ...record } = entry.record;
  return { ...entry, record };
}

/** Where a reader is in its walk through one seed's pages. */
export interface ListWalk {
  /** The cursor to ask with (undefined: the first page). */
  readonly after: string | undefined;
  readonly pages: number;
  readonly entries: number;
}

/** A walk before its first page. */
export const LIST_WALK_START: ListWalk = Object.freeze({
  after: undefined,
  pages: 0,
  entries: 0,
});

/** What to do after a page: ask for the next one, stop (the list is complete), or give up. */
export type ListWalkStep =
  | { readonly type: "next"; readonly walk: ListWalk }
  | { readonly type: "done"; readonly walk: ListWalk }
  | { readonly type: "refused"; readonly reason: string };

/**
 * Takes one page into a walk: `refused` when the seed passes the reader's bounds or its cursor
 * does not advance (a seed can then not keep a reader walking forever).
 */
export function nextListPage(
  walk: ListWalk,
  page: { readonly members: readonly MemberEntry[]; readonly next?: string | null | undefined },
  limits: ListWalkLimits = DEFAULT_LIST_WALK_LIMITS,
): ListWalkStep {
  const pages = walk.pages + 1;
  const entries = walk.entries + page.members.length;
  if (entries > limits.maxEntries) {
    return { type: "refused", reason: `more than ${limits.maxEntries} records` };
  }
  const next = page.next ?? null; // an older seed sends no cursor: its one page is all
  if (next === null) return { type: "done", walk: { after: walk.after, pages, entries } };
  if (walk.after !== undefined && next <= walk.after) {
    return { type: "refused", reason: `its cursor did not advance past ${walk.after}` };
  }
  if (pages >= limits.maxPages) {
    return { type: "refused", reason: `more than ${limits.maxPages} pages` };
  }
  return { type: "next", walk: { after: next, pages, entries } };
}
