import { randomBytes } from "node:crypto";
import {
  chmodSync,
  existsSync,
  linkSync,
  mkdirSync,
  readFileSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { P2pError } from "@p2p/wire";
import {
  type NodeEd25519Signer,
  nodeEd25519Signer,
  nodeVerifyEd25519,
} from "@p2p/wire/node-crypto";

/** The name of the identity key file in a node's data directory. */
export const IDENTITY_KEY_FILE = "secret-key";

/**
 * A node's Ed25519 identity, on Node's built-in crypto: its public key (hex) and a signing
 * function. The secret key stays inside the closure: it is in no object that a caller could
 * log or inspect.
 */
export type NodeIdentity = NodeEd25519Signer;

/** Verifies an Ed25519 signature with Node's crypto; false (never a throw) on any bad input. */
export const verifyEd25519 = nodeVerifyEd25519;

/**
 * Writes a new secret key to `path` unless one is there: written whole to a temporary file,
 * then linked into place (a link never replaces an existing file), so two processes creating
 * the same identity at once both end up with the one that won, and no reader sees half a key.
 */
function createKeyFile(path: string): void {
  const temporary = `${path}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  writeFileSync(temporary, `${randomBytes(32).toString("hex")}\n`, { mode: 0o600, flag: "wx" });
  try {
    linkSync(temporary, path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  } finally {
    unlinkSync(temporary);
  }
}

/** A fresh identity that lives only in this process (a `members` query, a test client). */
export function createEphemeralIdentity(): NodeIdentity {
  return nodeEd25519Signer(randomBytes(32));
}

/**
 * Loads the node's identity from `secret-key` in its data directory, creating the directory
 * (owner only) and a new key (owner-only permissions) on first start. The file holds the
 * 32-byte Ed25519 secret as 64 hex digits. A file that others can read is made owner-only
 * first; a file that is not a key is refused with `IDENTITY_INVALID` naming the file — never
 * its contents.
 */
export function loadIdentity(dataDirectory: string): NodeIdentity {
  mkdirSync(dataDirectory, { recursive: true, mode: 0o700 });
  const path = join(dataDirectory, IDENTITY_KEY_FILE);
  if (!existsSync(path)) createKeyFile(path);
  if ((statSync(path).mode & 0o077) !== 0) {
    // Written by an older version or by hand: keep it private before using it.
    chmodSync(path, 0o600);
  }
  const text = readFileSync(path, "utf8").trim();
  if (!/^[0-9a-f]{64}$/.test(text)) {
    throw new P2pError(
      "IDENTITY_INVALID",
      `${path}: expected an Ed25519 secret key as 64 lower-case hex digits; move the file away to make a new identity`,
    );
  }
  return nodeEd25519Signer(Buffer.from(text, "hex"));
}
