import { isSameJson, type MemberRecord } from "@p2p/quorum";
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
 * `record` as a peer keeps it: without the signed request (`proof`) and the dead evidence
 * (`evidence`) the seeds replicate. A peer reads a member's address, status, incarnation, key
 * and neighbours, never those two, and they are about a third of a record's memory.
 */
export function slimRecord(record: MemberRecord): MemberRecord {
  if (record.proof === undefined && record.evidence === undefined) return record;
  const { proof: _proof, evidence: _evidence, ...kept } = record;
  return kept;
}

/** Most addresses {@link peerRecord} remembers; past it, it starts again from none. */
const SHARED_RECORDS_LIMIT = 100_000;
/** The record each address last had at a peer of this process (held only while one keeps it). */
const sharedRecords = new Map<string, WeakRef<MemberRecord>>();

/**
 * `record` as a peer keeps it ({@link slimRecord}), and the very object another peer of this
 * process already keeps when that one is the same: records are values, never changed once
 * made. Every peer reads the whole directory from the seeds, so a process hosting many peers
 * (`peer --count`) would otherwise hold one copy of every member per peer.
 */
export function peerRecord(record: MemberRecord): MemberRecord {
  const slim = slimRecord(record);
  const held = sharedRecords.get(slim.address)?.deref();
  if (held !== undefined && isSameJson(held, slim)) return held;
  if (sharedRecords.size >= SHARED_RECORDS_LIMIT) sharedRecords.clear();
  sharedRecords.set(slim.address, new WeakRef(slim));
  return slim;
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
