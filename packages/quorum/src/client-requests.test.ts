import { createPackr } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createClientRequests } from "./client-requests.js";
import { DEFAULT_LIST_PAGE_LIMITS } from "./list-pages.js";
import {
  type ListRequest,
  type ListResponse,
  MAX_LIST_ADDRESSES,
  type MemberEntry,
  type MemberRecord,
  QuorumMessageSchema,
} from "./messages.js";
import { parseSeedRegistryConfig } from "./seed-registry-types.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const client = "10.9.9.9:6000";
const config = parseSeedRegistryConfig({ seedId: seeds[0] as string, seeds });
const packr = createPackr();

/** `count` distinct peer addresses, sorted as a seed lists them. */
const addresses = (count: number): string[] =>
  Array.from(
    { length: count },
    (_, index) => `10.${1 + (index >> 8)}.${index & 255}.1:6000`,
  ).sort();

const alive = (address: string): MemberEntry => ({
  record: { address, status: "alive", incarnation: 0, neighbours: [], changedAt: 0 },
  version: 3,
});

/** A dead record with `votes` signed votes of evidence (≈ 300 bytes each on the wire). */
const deadWithEvidence = (address: string, votes: number): MemberEntry => ({
  record: {
    address,
    status: "dead",
    incarnation: 2,
    neighbours: [],
    changedAt: 0,
    evidence: {
      suspect: address,
      round: "r".repeat(32),
      votes: Array.from({ length: votes }, (_, index) => ({
        voter: `10.200.${index >> 8}.${index & 255}:6000`,
        suspect: address,
        verdict: "dead",
        issuedAtMs: 1_700_000_000_000 + index,
        signature: "ab".repeat(64),
      })),
    },
  },
  version: 9,
});

/** A seed's client side answering list requests from `entries` (sorted by address). */
function createLister(entries: readonly MemberEntry[]) {
  const byAddress = new Map(entries.map((entry) => [entry.record.address, entry]));
  const requests = createClientRequests(
    config,
    () => [...entries],
    (address) => byAddress.get(address),
  );
  let sequence = 0;
  return (cursor: { after?: string; limit?: number } = {}): ListResponse => {
    const request = {
      type: "quorum.list-request",
      requestId: `list/${++sequence}`,
      ...cursor,
    } as ListRequest;
    const outputs = requests.receive(0, { from: client, fromKey: undefined }, request, () => []);
    expect(outputs).toHaveLength(1);
    const output = outputs[0];
    if (output?.type !== "send" || output.message.type !== "quorum.list-response") {
      throw new Error(`expected a list response, got ${JSON.stringify(output)}`);
    }
    expect(output.to).toBe(client);
    expect(output.message.requestId).toBe(request.requestId);
    return output.message;
  };
}

/** Reads every page, following `next`; returns the pages. */
function readAll(list: ReturnType<typeof createLister>, limit?: number): ListResponse[] {
  const pages: ListResponse[] = [];
  let after: string | undefined;
  for (let guard = 0; guard < 10_000; guard++) {
    const page = list({
      ...(after === undefined ? {} : { after }),
      ...(limit === undefined ? {} : { limit }),
    });
    pages.push(page);
    if (page.next === null) return pages;
    expect(typeof page.next).toBe("string");
    after = page.next;
  }
  throw new Error("the pages never ended");
}

const encodedBytes = (message: ListResponse): number => packr.pack(message).byteLength;

describe("list requests: pages", () => {
  it("pages cover every record exactly once, in address order", () => {
    const all = addresses(2_500);
    const list = createLister(all.map(alive));
    const pages = readAll(list);
    expect(pages.length).toBeGreaterThan(1);
    const listed = pages.flatMap((page) => page.members.map((entry) => entry.record.address));
    expect(listed).toEqual(all);
    expect(new Set(listed).size).toBe(all.length);
    for (const page of pages.slice(0, -1)) expect(page.members.length).toBeGreaterThan(0);
  });

  it("a request without a cursor gets the first page (older clients)", () => {
    const all = addresses(2_500);
    const list = createLister(all.map(alive));
    const first = list();
    expect(first.members[0]?.record.address).toBe(all[0]);
    expect(first.members.length).toBeLessThan(all.length);
    expect(first.next).toBe(first.members.at(-1)?.record.address);
  });

  it("a small list is one page, and its next is null", () => {
    const all = addresses(3);
    const page = createLister(all.map(alive))();
    expect(page.members.map((entry) => entry.record.address)).toEqual(all);
    expect(page.next).toBeNull();
  });

  it("honours a smaller limit asked by the reader, and still covers every record once", () => {
    const all = addresses(25);
    const list = createLister(all.map(alive));
    const pages = readAll(list, 10);
    expect(pages.map((page) => page.members.length)).toEqual([10, 10, 5]);
    expect(pages.flatMap((page) => page.members.map((entry) => entry.record.address))).toEqual(all);
  });

  it("pages stay under the byte budget when records carry large evidence", () => {
    const all = addresses(120);
    const entries = all.map((address) => deadWithEvidence(address, 60));
    const whole = packr.pack({ type: "quorum.list-response", requestId: "x", members: entries });
    expect(whole.byteLength).toBeGreaterThan(1024 * 1024); // one frame could not carry it
    const pages = readAll(createLister(entries));
    expect(pages.length).toBeGreaterThan(4);
    for (const page of pages)
      expect(encodedBytes(page)).toBeLessThanOrEqual(DEFAULT_LIST_PAGE_LIMITS.maxPageBytes);
    expect(pages.flatMap((page) => page.members.map((entry) => entry.record.address))).toEqual(all);
  });

  it("a cursor past the end gets an empty last page", () => {
    const all = addresses(5);
    const list = createLister(all.map(alive));
    const page = list({ after: "99.0.0.1:6000" });
    expect(page.members).toEqual([]);
    expect(page.next).toBeNull();
    // a cursor between two records starts after it, whether or not it is a record's address
    const between = list({ after: all[2] as string });
    expect(between.members.map((entry) => entry.record.address)).toEqual(all.slice(3));
  });

  it("lists records without the peers' signed requests", () => {
    const [address = ""] = addresses(1);
    const record: MemberRecord = {
      address,
      status: "alive",
      incarnation: 0,
      neighbours: [],
      changedAt: 0,
      proof: {
        kind: "register",
        address,
        publicKey: "ab".repeat(32),
        incarnation: null,
        neighbours: null,
        requestId: "r",
        signature: "cd".repeat(64),
      },
    };
    const page = createLister([{ record, version: 1 }])();
    expect(page.members[0]?.record.proof).toBeUndefined();
    expect(page.members[0]?.record.address).toBe(address);
  });
});

describe("list requests: named records", () => {
  it("answers only the records asked for, in one page, leaving out the addresses it lacks", () => {
    const all = addresses(600);
    const list = createLister(all.map(alive));
    const wanted = [all[599] as string, "10.99.0.1:6000", all[3] as string, all[3] as string];
    const page = list({ addresses: wanted } as { after?: string });
    expect(page.members.map((entry) => entry.record.address)).toEqual([all[3], all[599]]);
    expect(page.next).toBeNull();
  });

  it("keeps the byte budget: large records past it are left out, never a frame over the limit", () => {
    const all = addresses(40);
    const list = createLister(all.map((address) => deadWithEvidence(address, 40)));
    const page = list({ addresses: all } as { after?: string });
    expect(page.members.length).toBeGreaterThan(0);
    expect(page.members.length).toBeLessThan(all.length);
    expect(encodedBytes(page)).toBeLessThanOrEqual(DEFAULT_LIST_PAGE_LIMITS.maxPageBytes);
    expect(page.next).toBeNull();
  });

  it("the wire takes at most MAX_LIST_ADDRESSES canonical addresses", () => {
    const request = (list: string[]) =>
      QuorumMessageSchema.safeParse({
        type: "quorum.list-request",
        requestId: "r",
        addresses: list,
      });
    expect(request(addresses(MAX_LIST_ADDRESSES)).success).toBe(true);
    expect(request(addresses(MAX_LIST_ADDRESSES + 1)).success).toBe(false);
    expect(request([]).success).toBe(false);
    expect(request(["010.0.0.1:6000"]).success).toBe(false);
  });
});

describe("list messages on the wire", () => {
  it("older nodes still parse: a request without a cursor, a response without next (one page)", () => {
    const request = QuorumMessageSchema.parse({ type: "quorum.list-request", requestId: "l" });
    expect(request).toEqual({ type: "quorum.list-request", requestId: "l" });
    const response = QuorumMessageSchema.parse({
      type: "quorum.list-response",
      requestId: "l",
      members: [],
    });
    expect(response).toMatchObject({ next: null });
  });

  it("refuses a cursor that is not an address, and a limit that is not a positive integer", () => {
    const request = (fields: object) =>
      QuorumMessageSchema.safeParse({ type: "quorum.list-request", requestId: "l", ...fields });
    expect(request({ after: "10.0.0.1:6000", limit: 10 }).success).toBe(true);
    expect(request({ after: "not an address" }).success).toBe(false);
    expect(request({ limit: 0 }).success).toBe(false);
    expect(request({ limit: 1.5 }).success).toBe(false);
  });
});
