import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GOSSIP_SIGNING_VERSION, gossipSigningBytes } from "./signing.js";

describe("gossipSigningBytes", () => {
  it('is "p2p-gossip/v1" ‖ 0x00 ‖ origin length (u32 BE) ‖ origin ‖ payload', () => {
    expect(GOSSIP_SIGNING_VERSION).toBe("p2p-gossip/v1");
    expect(bytesToHex(gossipSigningBytes("a:1", new Uint8Array([0xff])))).toBe(
      `${bytesToHex(utf8ToBytes("p2p-gossip/v1"))}00` +
        `00000003${bytesToHex(utf8ToBytes("a:1"))}ff`,
    );
  });

  it("property: distinct (origin, payload) pairs never give the same bytes", () => {
    const pair = fc.tuple(fc.string({ maxLength: 8 }), fc.uint8Array({ maxLength: 8 }));
    fc.assert(
      fc.property(pair, pair, ([originA, payloadA], [originB, payloadB]) => {
        fc.pre(originA !== originB || bytesToHex(payloadA) !== bytesToHex(payloadB));
        expect(bytesToHex(gossipSigningBytes(originA, payloadA))).not.toBe(
          bytesToHex(gossipSigningBytes(originB, payloadB)),
        );
      }),
    );
  });
});
