/** Test keys: Ed25519 on node:crypto (quorum itself only gets signing and verifying as functions). */
import { createPublicKey, generateKeyPairSync, type KeyObject, sign, verify } from "node:crypto";

const SPKI = Buffer.from("302a300506032b6570032100", "hex");

/** A fresh Ed25519 key: its public key (hex) and a signing function. */
export function testKey(): { publicKey: string; sign(bytes: Uint8Array): Uint8Array } {
  const { privateKey, publicKey } = generateKeyPairSync("ed25519");
  return {
    publicKey: publicKey
      .export({ format: "der", type: "spki" })
      .subarray(SPKI.length)
      .toString("hex"),
    sign: (bytes) => new Uint8Array(sign(null, bytes, privateKey)),
  };
}

const publicKeys = new Map<string, KeyObject>();

/** Verifies an Ed25519 signature; false on any bad input. Keys are parsed once. */
export function verifySignature(
  publicKey: string,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    let key = publicKeys.get(publicKey);
    if (key === undefined) {
      key = createPublicKey({
        key: Buffer.concat([SPKI, Buffer.from(publicKey, "hex")]),
        format: "der",
        type: "spki",
      });
      if (publicKeys.size >= 4096) publicKeys.clear();
      publicKeys.set(publicKey, key);
    }
    return verify(null, bytes, key, signature);
  } catch {
    return false;
  }
}
