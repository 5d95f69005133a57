/** Test keys: Ed25519 on node:crypto (quorum itself only gets signing and verifying as functions). */
import { createPublicKey, generateKeyPairSync, sign, verify } from "node:crypto";

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

/** Verifies an Ed25519 signature; false on any bad input. */
export function verifySignature(
  publicKey: string,
  bytes: Uint8Array,
  signature: Uint8Array,
): boolean {
  try {
    const key = createPublicKey({
      key: Buffer.concat([SPKI, Buffer.from(publicKey, "hex")]),
      format: "der",
      type: "spki",
    });
    return verify(null, bytes, key, signature);
  } catch {
    return false;
  }
}
