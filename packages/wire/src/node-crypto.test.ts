import { generateKeyPairSync, sign } from "node:crypto";
import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import { nodeEd25519Signer, nodeNoiseCrypto, nodeVerifyEd25519 } from "./node-crypto.js";
import { nobleNoiseCrypto } from "./noise.js";

const identity = () => {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  const raw = publicKey.export({ format: "der", type: "spki" }).subarray(12);
  return {
    publicKeyHex: Buffer.from(raw).toString("hex"),
    sign: (bytes: Uint8Array) => new Uint8Array(sign(null, bytes, privateKey)),
  };
};

describe("nodeVerifyEd25519", () => {
  it("accepts a good signature again, and never lets a remembered signature cover other bytes or another key", () => {
    const alice = identity();
    const bob = identity();
    const bytes = new TextEncoder().encode("p2p-accepted/v1 something");
    const signature = alice.sign(bytes);
    expect(nodeVerifyEd25519(alice.publicKeyHex, bytes, signature)).toBe(true);
    expect(nodeVerifyEd25519(alice.publicKeyHex, bytes, signature)).toBe(true);
    const tampered = bytes.slice();
    tampered[0] = (tampered[0] ?? 0) ^ 1;
    expect(nodeVerifyEd25519(alice.publicKeyHex, tampered, signature)).toBe(false);
    expect(nodeVerifyEd25519(bob.publicKeyHex, bytes, signature)).toBe(false);
    const flipped = signature.slice();
    flipped[5] = (flipped[5] ?? 0) ^ 1;
    expect(nodeVerifyEd25519(alice.publicKeyHex, bytes, flipped)).toBe(false);
  });

  it("refuses malformed keys and signatures without throwing", () => {
    const alice = identity();
    const bytes = new Uint8Array([1, 2, 3]);
    const signature = alice.sign(bytes);
    expect(nodeVerifyEd25519("zz".repeat(32), bytes, signature)).toBe(false);
    expect(nodeVerifyEd25519(alice.publicKeyHex, bytes, signature.subarray(1))).toBe(false);
    expect(nodeVerifyEd25519("00".repeat(32), bytes, signature)).toBe(false);
  });
});

describe("nodeNoiseCrypto key import", () => {
  it("derives the same X25519 public keys and shared secrets as the portable suite", () => {
    for (let round = 0; round < 20; round += 1) {
      const a = new Uint8Array(32).map((_, i) => (i * 31 + round * 7 + 1) & 0xff);
      const b = new Uint8Array(32).map((_, i) => (i * 17 + round * 13 + 5) & 0xff);
      const publicA = nodeNoiseCrypto.x25519PublicKey(a);
      expect(publicA).toEqual(nobleNoiseCrypto.x25519PublicKey(a));
      const publicB = nobleNoiseCrypto.x25519PublicKey(b);
      expect(nodeNoiseCrypto.x25519(a, publicB)).toEqual(nobleNoiseCrypto.x25519(b, publicA));
    }
  });
});

describe("nodeEd25519Signer", () => {
  it("signs RFC 8032 test 1 as the RFC says", () => {
    const signer = nodeEd25519Signer(
      Buffer.from("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "hex"),
    );
    expect(signer.publicKey).toBe(
      "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    );
    expect(Buffer.from(signer.sign(new Uint8Array())).toString("hex")).toBe(
      "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b",
    );
  });

  it("gives the same keys and signatures as the portable implementation", () => {
    for (let round = 0; round < 10; round += 1) {
      const secret = new Uint8Array(32).map((_, i) => (i * 29 + round * 11 + 3) & 0xff);
      const signer = nodeEd25519Signer(secret);
      const bytes = new TextEncoder().encode(`message ${round}`);
      expect(signer.publicKey).toBe(Buffer.from(ed25519.getPublicKey(secret)).toString("hex"));
      expect(signer.sign(bytes)).toEqual(ed25519.sign(bytes, secret));
    }
    expect(() => nodeEd25519Signer(new Uint8Array(31))).toThrow(RangeError);
  });
});
