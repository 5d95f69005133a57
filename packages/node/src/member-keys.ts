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

/**
 * `snapshot` with `records` merged in, sorted by address: a record replaces the snapshot's one
 * of the same address unless that one is newer (a higher incarnation, or the same one changed
 * later).
 */
export function mergeRecords(
  snapshot: readonly MemberRecord[],
  records: readonly MemberRecord[],
): MemberRecord[] {
  const merged = new Map(snapshot.map((record) => [record.address, record]));
  for (const record of records) {
    const known = merged.get(record.address);
    const isOlder =
      known !== undefined &&
      (known.incarnation > record.incarnation ||
        (known.incarnation === record.incarnation && known.changedAt > record.changedAt));
    if (!isOlder) merged.set(record.address, record);
  }
  return [...merged.values()].sort((a, b) =>
    a.address < b.address ? -1 : a.address > b.address ? 1 : 0,
  );
}
