// Integration: 3 real seed processes over TCP on 127.0.0.1 (fast profile), spoken to by the
// client of ./wire-client.ts, which knows only what docs/WIRE.md says.
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePorts, killAll, startApp, waitFor, waitReady, writeTestConfig } from "./processes.js";
import { type Message, type Session, signedRequest, WireClient } from "./wire-client.js";

let directory: string;
let seedAddresses: string[];
let clientPort: number;
let phantomPort: number;
/** The seeds' pinned keys, read from the config.txt the seeds write (`ip:port key`). */
let pinned: Map<string, string>;
const clients: WireClient[] = [];
let sequence = 0;

/** A request id of the client at `address` (quorum's RequestIdSchema: 1–256 characters). */
const requestId = (address: string) => `${address}/wire-client/${++sequence}`;

/** Fails when `promise` has not settled within `ms` (a lost answer fails the test, not hangs it). */
const within = <T>(promise: Promise<T>, what: string, ms = 10_000): Promise<T> =>
  new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no answer: ${what}`)), ms);
    promise.then(resolve, reject).finally(() => clearTimeout(timer));
  });

/** The status of `address` in a seed's answers to `quorum.list-request` (every page), if it lists it. */
async function statusAt(session: Session, asker: string, address: string) {
  let after: unknown;
  for (let page = 1; page <= 100; page++) {
    const answer = await within(
      session.request({
        type: "quorum.list-request",
        requestId: requestId(asker),
        ...(after === undefined ? {} : { after }),
      }),
      `list at ${session.remote.address}`,
    );
    expect(answer.type).toBe("quorum.list-response");
    const members = answer.members as { record: { address: string; status: string } }[];
    const found = members.find((entry) => entry.record.address === address);
    if (found !== undefined) return found.record.status;
    if (answer.next === null) return undefined;
    after = answer.next;
  }
  throw new Error(`more than 100 pages at ${session.remote.address}`);
}

const newClient = (address: string, role: "peer" | "client" = "peer") => {
  const client = new WireClient(address, pinned, role);
  clients.push(client);
  return client;
};

beforeAll(async () => {
  directory = mkdtempSync(join(tmpdir(), "p2p-wire-client-"));
  const ports = await freePorts(5);
  seedAddresses = ports.slice(0, 3).map((port) => `127.0.0.1:${port}`);
  [clientPort, phantomPort] = ports.slice(3) as [number, number];
  const configPath = writeTestConfig(directory, "127.0.0.1", ports.slice(0, 3));
  const seeds = seedAddresses.map((address) =>
    startApp("seed", "main", [address, "--config", configPath], address),
  );
  await Promise.all(seeds.map((seed) => waitReady(seed)));
  pinned = new Map(
    readFileSync(join(directory, "config.txt"), "utf8")
      .split("\n")
      .map((line) => line.trim().split(/\s+/))
      .filter(
        (fields): fields is [string, string] => fields.length === 2 && !fields[0]?.startsWith("#"),
      ),
  );
}, 120_000);

afterAll(async () => {
  await Promise.all(clients.map((client) => client.close()));
  await killAll();
  rmSync(directory, { recursive: true, force: true });
});

describe("a client written only from docs/WIRE.md, against 3 real seeds", () => {
  it("config.txt pins a key for every seed", () => {
    expect([...pinned.keys()].sort()).toEqual([...seedAddresses].sort());
    for (const key of pinned.values()) expect(key).toMatch(/^[0-9a-f]{64}$/);
  });

  it("a listening peer registers at a majority, is listed alive at every seed, leaves and is listed left", async () => {
    const client = newClient(`127.0.0.1:${clientPort}`);
    const self = client.me.address;
    await client.listen();
    const sessions = await Promise.all(seedAddresses.map((seed) => client.dial(seed)));
    for (const [index, session] of sessions.entries()) {
      const seed = seedAddresses[index]!;
      expect(session.remote).toEqual({
        identityKey: pinned.get(seed),
        role: "seed",
        address: seed,
      });
    }

    const majority = sessions.slice(0, 2);
    const registered = await Promise.all(
      majority.map((session) => {
        const id = requestId(self);
        const proof = signedRequest(client.me, {
          kind: "register",
          incarnation: null,
          neighbours: null,
          requestId: id,
        });
        return within(
          session.request({ type: "quorum.register-request", requestId: id, address: self, proof }),
          `register at ${session.remote.address}`,
        );
      }),
    );
    for (const answer of registered) {
      expect(answer).toMatchObject({
        type: "quorum.register-response",
        ok: true,
        error: null,
        record: { address: self, status: "alive", publicKey: client.identityKey },
      });
    }
    const incarnation = (registered[0]!.record as { incarnation: number }).incarnation;

    await waitFor("every seed to list the client alive", async () => {
      const statuses = await Promise.all(sessions.map((session) => statusAt(session, self, self)));
      return statuses.every((status) => status === "alive");
    });
    // Each seed proved the claimed address by dialling it back: the listener answered as
    // responder with the same identity key, and each seed proved its pinned key there.
    const dialledBack = new Set(client.accepted.map((session) => session.remote.address));
    expect([...dialledBack].sort()).toEqual([...seedAddresses].sort());
    for (const session of client.accepted) {
      expect(session.remote.identityKey).toBe(pinned.get(session.remote.address));
    }

    const left: Message[] = await Promise.all(
      majority.map((session) => {
        const id = requestId(self);
        const proof = signedRequest(client.me, {
          kind: "leave",
          incarnation,
          neighbours: null,
          requestId: id,
        });
        return within(
          session.request({
            type: "quorum.leave-request",
            requestId: id,
            address: self,
            incarnation,
            proof,
          }),
          `leave at ${session.remote.address}`,
        );
      }),
    );
    for (const answer of left) {
      expect(answer).toMatchObject({
        type: "quorum.operation-response",
        ok: true,
        record: { address: self, status: "left", incarnation },
      });
    }
    await waitFor("every seed to list the client left", async () => {
      const statuses = await Promise.all(sessions.map((session) => statusAt(session, self, self)));
      return statuses.every((status) => status === "left");
    });
    for (const session of sessions) session.close();
  }, 60_000);

  it("a peer claiming an address where nothing listens gets node.refused ADDRESS_NOT_PROVEN and is listed nowhere", async () => {
    const phantom = newClient(`127.0.0.1:${phantomPort}`); // never listens
    const self = phantom.me.address;
    const session = await phantom.dial(seedAddresses[0]!);
    const answer = await within(
      session.request({
        type: "quorum.register-request",
        requestId: requestId(self),
        address: self,
      }),
      "the refusal",
    );
    expect(answer).toMatchObject({ type: "node.refused", code: "ADDRESS_NOT_PROVEN" });
    expect(typeof answer.reason).toBe("string");
    await expect(within(session.receive(), "the close")).rejects.toThrow(/closed/);

    // A reader with role client (no listener, never dialled back) asks every seed.
    const reader = newClient("127.0.0.1:1", "client");
    for (const seed of seedAddresses) {
      const readerSession = await reader.dial(seed);
      expect(await statusAt(readerSession, "reader", self)).toBeUndefined();
      readerSession.close();
    }
  }, 60_000);
});
