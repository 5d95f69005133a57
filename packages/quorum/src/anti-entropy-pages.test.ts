import { ok, type RandomSource } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import { createNetwork } from "../test/network.js";
import type { ListRequest, MemberEntry } from "./messages.js";
import { createSeedRegistry, type SeedRegistry, type SeedRegistryOutput } from "./seed-registry.js";

const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"];
const [a, b, c] = seeds as [string, string, string];
const random: RandomSource = { next: () => 0 };
const deps = { random, validateEvidence: () => ok(undefined) };

const entry = (address: string, version: number): MemberEntry => ({
  record: { address, status: "alive", incarnation: 0, neighbours: [], changedAt: 0 },
  version,
});

const listRequests = (outputs: readonly SeedRegistryOutput[]) =>
  outputs.flatMap((output) =>
    output.type === "send" && output.message.type === "quorum.list-request"
      ? [{ to: output.to, message: output.message }]
      : [],
  );
/** Keys this seed started a quorum read of (its prepares, one key each). */
const readKeys = (outputs: readonly SeedRegistryOutput[]) => [
  ...new Set(
    outputs.flatMap((output) =>
      output.type === "send" && output.message.type === "quorum.prepare"
        ? [output.message.key]
        : [],
    ),
  ),
];

/** Seed c, its comparisons started, at its first version request (to a: random 0). */
function startedSeed() {
  const registry = createSeedRegistry({ seedId: c, seeds, syncIntervalMs: 1_000 }, deps);
  registry.step({
    type: "receive",
    now: 0,
    from: a,
    message: { type: "quorum.list-request", requestId: "x" },
  });
  const [request] = listRequests(registry.step({ type: "tick", now: 1_000 }));
  if (request === undefined) throw new Error("no version request");
  return { registry, request };
}

const page = (
  registry: SeedRegistry,
  now: number,
  from: string,
  request: { message: ListRequest },
  members: MemberEntry[],
  next: string | null,
) =>
  registry.step({
    type: "receive",
    now,
    from,
    message: { type: "quorum.list-response", requestId: request.message.requestId, members, next },
  });

describe("anti-entropy: version lists in pages", () => {
  it("walks every page of the one seed it asked, one page at a time, reading where it lags", () => {
    const { registry, request } = startedSeed();
    expect(request.to).toBe(a);
    expect(request.message.after).toBeUndefined();
    const first = page(registry, 1_010, a, request, [entry("10.1.0.1:6000", 4)], "10.1.0.1:6000");
    expect(readKeys(first)).toEqual(["10.1.0.1:6000"]);
    const second = listRequests(first);
    expect(second).toHaveLength(1);
    expect(second[0]?.to).toBe(a);
    expect(second[0]?.message.after).toBe("10.1.0.1:6000");
    expect(second[0]?.message.requestId).not.toBe(request.message.requestId);
    const last = page(
      registry,
      1_020,
      a,
      second[0] as { message: ListRequest },
      [entry("10.1.0.2:6000", 4)],
      null,
    );
    expect(readKeys(last)).toEqual(["10.1.0.2:6000"]);
    expect(listRequests(last)).toEqual([]);
    // the walk is over: nothing more until the next comparison
    expect(listRequests(registry.step({ type: "tick", now: 1_500 }))).toEqual([]);
    expect(registry.inspect().nextSyncAt).toBe(2_000);
    // it never copies what it was told
    expect(registry.get("10.1.0.1:6000")).toBeUndefined();
  });

  it("ignores a page from another seed and an answer to a page it is no longer waiting for", () => {
    const { registry, request } = startedSeed();
    const first = page(registry, 1_010, a, request, [entry("10.1.0.1:6000", 4)], "10.1.0.1:6000");
    const [second] = listRequests(first);
    // the first page again (a duplicate), and a page from b under the current request id
    expect(page(registry, 1_011, a, request, [entry("10.1.0.9:6000", 4)], null)).toEqual([]);
    expect(
      page(
        registry,
        1_012,
        b,
        second as { message: ListRequest },
        [entry("10.1.0.8:6000", 4)],
        null,
      ),
    ).toEqual([]);
  });

  it("ends a walk whose cursor does not advance", () => {
    const { registry, request } = startedSeed();
    const first = page(registry, 1_010, a, request, [entry("10.1.0.5:6000", 4)], "10.1.0.5:6000");
    const [second] = listRequests(first);
    const again = page(
      registry,
      1_020,
      a,
      second as { message: ListRequest },
      [entry("10.1.0.6:6000", 4)],
      "10.1.0.4:6000",
    );
    expect(listRequests(again)).toEqual([]);
  });

  it("a seed that stops answering mid-way is given up at the next comparison (another walk starts)", () => {
    const { registry, request } = startedSeed();
    const first = page(registry, 1_010, a, request, [entry("10.1.0.1:6000", 4)], "10.1.0.1:6000");
    expect(listRequests(first)).toHaveLength(1);
    // no answer to the second page: at the next comparison a new walk starts from the top
    const later = listRequests(registry.step({ type: "tick", now: 2_500 }));
    expect(later).toHaveLength(1);
    expect(later[0]?.message.after).toBeUndefined();
  });
});

describe("anti-entropy: a seed that missed more than a page", () => {
  it("catches up on all 1,500 records in one comparison, walking the pages", () => {
    const network = createNetwork({ syncIntervalMs: 5_000 });
    network.cut.add(c);
    const missed = Array.from(
      { length: 1_500 },
      (_, index) => `10.${1 + (index >> 8)}.${index & 255}.1:6000`,
    );
    for (const address of missed) network.register(a, address);
    network.cut.delete(c);
    network.register(b, "10.99.0.1:6000"); // c hears from another seed: its comparisons start
    const logged = network.log.length;
    network.runUntil(5_000 + 2_000); // one comparison (and well before the next one)
    const requests = network.log
      .slice(logged)
      .filter((sent) => sent.from === c && sent.message.type === "quorum.list-request");
    expect(requests.length).toBeGreaterThan(1);
    // the cursor never goes back (a page may be asked again after a pause for read capacity)
    const cursors = requests.map((sent) =>
      sent.message.type === "quorum.list-request" ? (sent.message.after ?? "") : "",
    );
    expect(cursors).toEqual([...cursors].sort());
    expect(cursors[0]).toBe("");
    expect(new Set(requests.map((sent) => sent.to)).size).toBe(1);
    const listed = new Set(
      network
        .get(c)
        .list()
        .map((item) => item.record.address),
    );
    expect(missed.filter((address) => !listed.has(address))).toEqual([]);
    expect(network.get(c).inspect().catchUpReads).toBe(0);
  });
});
