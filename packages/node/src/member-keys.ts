import type { MemberRecord } from "@p2p/quorum";
import { verifyIdentitySignature } from "@p2p/wire";

/** Verifies an Ed25519 signature (hex key); may throw on malformed input. */
type Verify = (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => boolean;

/**
 * The members' identity keys from a peer's latest directory snapshot, as gossip needs them: who
 * signed a message (`verifyOrigin`) and whether that is known yet (`knowsOrigin`).
 */
export function createMemberKeys(verify: Verify = verifyIdentitySignature) {
  let keys = new Map<string, string>();
  return {
    /** Replaces the keys with those of a fresh snapshot. */
    update(records: readonly MemberRecord[]): void {
      keys = new Map(
        records.flatMap((record) =>
          record.publicKey === undefined ? [] : [[record.address, record.publicKey]],
        ),
      );
    },
    knowsOrigin: (origin: string): boolean => keys.has(origin),
    /** True when `signature` is `origin`'s over `bytes`; false for an unknown origin, never a throw. */
    verifyOrigin: (origin: string, bytes: Uint8Array, signature: Uint8Array): boolean => {
      const key = keys.get(origin);
      try {
        return key !== undefined && verify(key, bytes, signature);
      } catch {
        return false;
      }
    },
  };
}
