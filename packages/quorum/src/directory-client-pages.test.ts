import { createSeededRandom } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createDirectoryClient } from "./directory-client.js";
import type {
  DirectoryClient,
  DirectoryClientConfigInput,
  DirectoryClientEvent,
  DirectoryClientOutput,
} from "./directory-client-types.js";
import type { ListRequest, MemberEntry } from "./messages.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const KEY = "ab".repeat(32);

const entry = (address: string, version = 1): MemberEntry => ({
  record: { address, status: "alive", incarnation: 0, neighbours: [], changedAt: 0 },
  version,
});

/** `count` sorted addresses in the block `10.<block>.x.y:6000`. */
const addresses = (block: number, count: number): string[] =>
  Array.from(
    { length: count },
    (_, index) => `10.${block}.${index >> 8}.${index & 255}:6000`,
  ).sort();

type SentList = { readonly to: string; readonly message: ListRequest };

const listRequests = (outputs: readonly DirectoryClientOutput[]): SentList[] =>
  outputs.flatMap((output) =>
    output.type === "send" && output.message.type === "quorum.list-request"
      ? [{ to: output.to, message: output.message }]
      : [],
  );

const membersEvents = (outputs: readonly DirectoryClientOutput[]) =>
  outputs.flatMap((output) =>
    output.type === "emit" && output.event.type === "members" ? [output.event] : [],
  ) as Extract<DirectoryClientEvent, { type: "members" }>[];

/**
 * A client whose seeds each hold a list (sorted) served in pages of `pageSize`: `serve`
 * answers one list request the way a seed would.
 */
function setup(options: Partial<DirectoryClientConfigInput> = {}) {
  const client: DirectoryClient = createDirectoryClient(
    { self: "10.0.1.1:6000", seeds, publicKey: KEY, requestTimeoutMs: 1_000, ...options },
    { random: createSeededRandom(7) },
  );
  const serve = (
    now: number,
    sent: SentList,
    list: readonly MemberEntry[],
    pageSize: number,
  ): readonly DirectoryClientOutput[] => {
    const after = sent.message.after;
    const rest = list.filter((item) => after === undefined || item.record.address > after);
    const members = rest.slice(0, pageSize);
    const next = rest.length > pageSize ? (members.at(-1)?.record.address ?? null) : null;
    return client.step({
      type: "receive",
      now,
      from: sent.to,
      message: { type: "quorum.list-response", requestId: sent.message.requestId, members, next },
    });
  };
  return { client, serve };
}

describe("directory client: paged lists", () => {
  it("reads every page of every seed it asks, one page at a time, and unions them", () => {
    const { client, serve } = setup();
    const first = listRequests(client.step({ type: "fetch-members", now: 0 }));
    expect(first).toHaveLength(2); // a majority of the three seeds
    for (const sent of first) expect(sent.message.after).toBeUndefined();
    const lists = new Map<string, MemberEntry[]>([
      [first[0]?.to as string, [...addresses(1, 25), ...addresses(2, 5)].map((a) => entry(a))],
      [first[1]?.to as string, [...addresses(2, 5), ...addresses(3, 12)].map((a) => entry(a, 2))],
    ]);
    const pending = first;
    let events: ReturnType<typeof membersEvents> = [];
    let pagesRead = 0;
    for (let now = 1; pending.length > 0; now++) {
      const sent = pending.shift() as SentList;
      const outputs = serve(now, sent, lists.get(sent.to) ?? [], 10);
      pagesRead += 1;
      const more = listRequests(outputs);
      // never more than one page request outstanding per seed
      expect(more.length).toBeLessThanOrEqual(1);
      for (const next of more) {
        expect(next.to).toBe(sent.to);
        expect(pending.some((other) => other.to === next.to)).toBe(false);
        expect(next.message.after).toBeDefined();
      }
      pending.push(...more);
      events.push(...membersEvents(outputs));
      if (events.length > 0) expect(pending).toEqual([]);
    }
    expect(pagesRead).toBe(3 + 2); // 30 records in pages of 10, and 17 records
    expect(events).toHaveLength(1);
    const records = events[0]?.records ?? [];
    const expected = [...addresses(1, 25), ...addresses(2, 5), ...addresses(3, 12)].sort();
    expect(records.map((record) => record.address)).toEqual(expected);
    events = [];
  });

  it("a seed that stalls mid-way counts as a seed that did not answer (none of its pages are used)", () => {
    const { client, serve } = setup();
    const [slow, steady] = listRequests(client.step({ type: "fetch-members", now: 0 })) as [
      SentList,
      SentList,
    ];
    const only = (block: number) => addresses(block, 15).map((a) => entry(a));
    // the slow seed answers its first page, then never the second
    const afterFirst = listRequests(serve(10, slow, only(1), 10));
    expect(afterFirst).toHaveLength(1);
    expect(afterFirst[0]?.to).toBe(slow.to);
    // the steady seed answers both its pages
    const steadyNext = listRequests(serve(20, steady, only(2), 10));
    expect(membersEvents(serve(30, steadyNext[0] as SentList, only(2), 10))).toEqual([]);
    // the slow seed's page request times out: the snapshot is the steady seed's list alone
    const events = membersEvents(client.step({ type: "tick", now: 10 + 1_000 }));
    expect(events).toHaveLength(1);
    expect(events[0]?.records.map((record) => record.address)).toEqual(addresses(2, 15));
    expect(client.inspect().inFlight).toBe(0);
  });

  it("when every seed stalls mid-way there is no snapshot: other seeds are asked", () => {
    const { client, serve } = setup();
    const asked = listRequests(client.step({ type: "fetch-members", now: 0 }));
    for (const sent of asked)
      serve(
        1,
        sent,
        addresses(1, 15).map((a) => entry(a)),
        10,
      );
    const outputs = client.step({ type: "tick", now: 1 + 1_000 });
    expect(membersEvents(outputs)).toEqual([]);
    // other seeds are asked after a pause (listRetryMs), not at once
    expect(listRequests(outputs)).toEqual([]);
    const again = listRequests(client.step({ type: "tick", now: 1 + 1_000 + 250 }));
    expect(again).toHaveLength(2);
    for (const sent of again) expect(sent.message.after).toBeUndefined();
  });

  it("a seed whose pages pass maxListPages, or whose cursor does not advance, did not answer", () => {
    const { client, serve } = setup({ maxListPages: 3 });
    const [endless, stuck] = listRequests(client.step({ type: "fetch-members", now: 0 })) as [
      SentList,
      SentList,
    ];
    // `endless` serves 40 records in pages of 10: a fourth page is past the bound
    let sent = endless;
    for (let page = 1; page <= 3; page++) {
      const more = listRequests(
        serve(
          page,
          sent,
          addresses(1, 40).map((a) => entry(a)),
          10,
        ),
      );
      if (page === 3) expect(more).toEqual([]);
      else sent = more[0] as SentList;
    }
    // `stuck` answers with a cursor that goes backwards
    const outputs = client.step({
      type: "receive",
      now: 5,
      from: stuck.to,
      message: {
        type: "quorum.list-response",
        requestId: stuck.message.requestId,
        members: [entry("10.2.0.1:6000")],
        next: "10.2.0.1:6000",
      },
    });
    const next = listRequests(outputs)[0] as SentList;
    const repeat = client.step({
      type: "receive",
      now: 6,
      from: stuck.to,
      message: {
        type: "quorum.list-response",
        requestId: next.message.requestId,
        members: [entry("10.2.0.0:6000")],
        next: "10.2.0.0:6000",
      },
    });
    // neither seed gave a whole list: no snapshot; the fetch is asked again of other seeds,
    // after a pause
    expect(membersEvents(repeat)).toEqual([]);
    expect(listRequests(repeat)).toEqual([]);
    const again = listRequests(client.step({ type: "tick", now: 6 + 250 }));
    expect(again.every((request) => request.message.after === undefined)).toBe(true);
    expect(again).toHaveLength(2);
  });

  it("a seed whose list passes maxListRecords did not answer", () => {
    const { client, serve } = setup({ maxListRecords: 15 });
    const [big, small] = listRequests(client.step({ type: "fetch-members", now: 0 })) as [
      SentList,
      SentList,
    ];
    const more = listRequests(
      serve(
        1,
        big,
        addresses(1, 20).map((a) => entry(a)),
        10,
      ),
    );
    expect(
      listRequests(
        serve(
          2,
          more[0] as SentList,
          addresses(1, 20).map((a) => entry(a)),
          10,
        ),
      ),
    ).toEqual([]);
    const events = membersEvents(
      serve(
        3,
        small,
        addresses(2, 5).map((a) => entry(a)),
        10,
      ),
    );
    expect(events[0]?.records.map((record) => record.address)).toEqual(addresses(2, 5));
  });
});
