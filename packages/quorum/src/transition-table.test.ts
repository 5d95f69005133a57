import { ok } from "@p2p/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { testKey, verifySignature } from "../test/keys.js";
import {
  createMembershipValidator,
  leaveChange,
  registerChange,
  updateNeighboursChange,
} from "./membership.js";
import type { MemberRecord, RequestProof } from "./messages.js";
import type { Change } from "./proposer.js";
import { requestSigningBytes, signRequest, type UnsignedRequest } from "./request-proof.js";

const keyOf = testKey;

const address = "10.9.0.1:7000";
const pool = ["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.3:7000"];
const peer = keyOf();
const other = keyOf();
const validate = createMembershipValidator(
  () => ok(undefined),
  { maxNeighbours: 8 },
  undefined,
  verifySignature,
);

const request = (
  key: typeof peer,
  fields: Partial<UnsignedRequest> & Pick<UnsignedRequest, "kind">,
): RequestProof =>
  signRequest(
    {
      address,
      publicKey: key.publicKey,
      incarnation: null,
      neighbours: null,
      requestId: `r-${Math.random()}`,
      ...fields,
    },
    key.sign,
  );
const apply = (change: Change, current: MemberRecord | undefined): MemberRecord => {
  const result = change(current);
  if (!result.ok || result.value === undefined) throw new Error("change failed");
  return result.value;
};
const registered = apply(
  registerChange(
    address,
    {
      publicKey: peer.publicKey,
      neighbours: pool,
      proof: request(peer, { kind: "register", neighbours: pool }),
    },
    0,
  ),
  undefined,
);
const accepts = (current: MemberRecord | undefined, proposed: MemberRecord) =>
  validate(address, current, proposed).ok;

describe("the transition table (every acceptor checks the peer's signed request)", () => {
  it("registration: signed by the key it registers, with exactly the neighbours sent", () => {
    expect(accepts(undefined, registered)).toBe(true);
    const { proof: _, ...unproven } = registered;
    expect(accepts(undefined, unproven)).toBe(false);
    expect(
      accepts(undefined, {
        ...registered,
        proof: request(other, { kind: "register", neighbours: pool }),
      }),
    ).toBe(false);
    expect(accepts(undefined, { ...registered, neighbours: [pool[0] as string] })).toBe(false);
  });

  it("neighbour update: the record's key over exactly the new list; an old proof does not do", () => {
    const next = ["10.8.0.9:7000"];
    const updated = apply(
      updateNeighboursChange(
        address,
        next,
        1,
        request(peer, { kind: "neighbours", incarnation: 0, neighbours: next }),
      ),
      registered,
    );
    expect(accepts(registered, updated)).toBe(true);
    expect(accepts(registered, { ...registered, neighbours: next })).toBe(false); // the old register proof
    expect(
      accepts(registered, {
        ...updated,
        proof: request(other, { kind: "neighbours", incarnation: 0, neighbours: next }),
      }),
    ).toBe(false);
  });

  it("leave: the record's key, for that incarnation", () => {
    const left = apply(
      leaveChange(address, 0, 2, request(peer, { kind: "leave", incarnation: 0 })),
      registered,
    );
    expect(accepts(registered, left)).toBe(true);
    expect(accepts(undefined, left)).toBe(true); // an acceptor that missed the record checks the carried proof
    expect(
      accepts(registered, { ...left, proof: request(peer, { kind: "leave", incarnation: 3 }) }),
    ).toBe(false);
    expect(
      accepts(registered, { ...left, proof: request(other, { kind: "leave", incarnation: 0 }) }),
    ).toBe(false);
    const { proof: _, ...unproven } = left;
    expect(accepts(registered, unproven)).toBe(false);
  });

  it("an alive record never jumps its incarnation or changes its key; a tombstone rejoins with the new key's request", () => {
    const jump = {
      ...registered,
      incarnation: 1,
      publicKey: other.publicKey,
      proof: request(other, { kind: "register", neighbours: pool }),
    };
    expect(accepts(registered, jump)).toBe(false);
    const left = apply(
      leaveChange(address, 0, 2, request(peer, { kind: "leave", incarnation: 0 })),
      registered,
    );
    const rejoined = apply(
      registerChange(
        address,
        {
          publicKey: other.publicKey,
          neighbours: pool,
          proof: request(other, { kind: "register", neighbours: pool }),
        },
        3,
      ),
      left,
    );
    expect(rejoined.incarnation).toBe(1);
    expect(accepts(left, rejoined)).toBe(true);
  });

  it("property: no change a seed makes up without the peer's key is accepted from an alive record", () => {
    const forgedRecord = fc.record({
      status: fc.constantFrom("alive" as const, "left" as const),
      incarnation: fc.integer({ min: 0, max: 3 }),
      useOtherKey: fc.boolean(),
      neighbours: fc.subarray(["10.8.0.1:7000", "10.8.0.2:7000", "10.8.0.5:7000", "10.8.0.6:7000"]),
      proofKind: fc.constantFrom("none", "register", "neighbours", "leave"),
    });
    fc.assert(
      fc.property(forgedRecord, (forged) => {
        const proposed: MemberRecord = {
          address,
          status: forged.status,
          incarnation: forged.incarnation,
          publicKey: forged.useOtherKey ? other.publicKey : peer.publicKey,
          neighbours: [...forged.neighbours].sort(),
          changedAt: 5,
          ...(forged.proofKind === "none"
            ? {}
            : {
                proof: request(other, {
                  kind: forged.proofKind,
                  incarnation: forged.incarnation,
                  neighbours: forged.proofKind === "leave" ? null : forged.neighbours,
                }),
              }),
        };
        const isUnchanged =
          proposed.status === "alive" &&
          proposed.incarnation === 0 &&
          proposed.publicKey === peer.publicKey &&
          proposed.neighbours.join() === registered.neighbours.join();
        // Signed by anyone but the peer: only a no-op passes.
        expect(accepts(registered, proposed)).toBe(isUnchanged);
      }),
      { numRuns: 300 },
    );
  });
});

describe("requestSigningBytes", () => {
  it("is the documented UTF-8 text (docs/WIRE.md §8.4), non-ASCII request ids included", () => {
    const fields: UnsignedRequest = {
      kind: "register",
      address,
      publicKey: "ab".repeat(32),
      incarnation: null,
      neighbours: null,
      requestId: "é/✓/😀",
    };
    const expected = `p2p-request/v1\n${JSON.stringify(["register", address, "ab".repeat(32), null, null, "é/✓/😀"])}`;
    expect(Buffer.from(requestSigningBytes(fields)).toString("utf8")).toBe(expected);
    expect(Buffer.from(requestSigningBytes(fields)).equals(Buffer.from(expected, "utf8"))).toBe(
      true,
    );
  });
});

describe("closed membership (an allow-list of keys, checked by every acceptor)", () => {
  const admitted = new Set([peer.publicKey]);
  const closed = createMembershipValidator(
    () => ok(undefined),
    { maxNeighbours: 8 },
    undefined,
    verifySignature,
    { admits: (publicKey) => admitted.has(publicKey) },
  );
  const stranger = keyOf();
  const strangerRecord = apply(
    registerChange(
      address,
      {
        publicKey: stranger.publicKey,
        neighbours: pool,
        proof: request(stranger, {
          kind: "register",
          publicKey: stranger.publicKey,
          neighbours: pool,
        }),
      },
      0,
    ),
    undefined,
  );

  it("registers an admitted key and refuses any other, even with a valid signed request", () => {
    expect(closed(address, undefined, registered).ok).toBe(true);
    expect(validate(address, undefined, strangerRecord).ok).toBe(true); // open: anyone
    const refused = closed(address, undefined, strangerRecord);
    expect(refused.ok).toBe(false);
    expect(refused.ok ? "" : refused.error.message).toMatch(/not admitted/);
  });

  it("a rejoin after a tombstone is a registration too: only an admitted key", () => {
    const left = { ...registered, status: "left" as const, proof: undefined };
    const rejoin = { ...strangerRecord, incarnation: 1 };
    expect(closed(address, left, rejoin).ok).toBe(false);
    expect(closed(address, left, { ...registered, incarnation: 1 }).ok).toBe(true);
  });
});
