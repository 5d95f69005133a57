// Part of the proposer (proposer.ts): what a quorum of promises says the key's value is.
import { compareBallots } from "./ballot.js";
import { isSameAccepted, mergeAttestations } from "./certificate.js";
import type { PromiseMessage } from "./messages.js";
import type { Base } from "./proposer-types.js";

/**
 * The value accepted at the highest ballot among `promises` (null: none accepted anything),
 * and with it the attestations every promise holds of that same value, merged: together often
 * a certificate the acceptors can check the next transition against.
 */
export function readPromises(
  promises: Iterable<PromiseMessage>,
  acceptorCount: number,
): { readonly latest: PromiseMessage["accepted"]; readonly proof: Base | null } {
  const all = [...promises];
  let latest: PromiseMessage["accepted"] = null;
  for (const promise of all) {
    if (
      promise.accepted !== null &&
      (latest === null || compareBallots(promise.accepted.ballot, latest.ballot) > 0)
    ) {
      latest = promise.accepted;
    }
  }
  const chosen = latest;
  if (chosen === null) return { latest, proof: null };
  const attestations = mergeAttestations(
    all.map((promise) =>
      promise.accepted !== null && isSameAccepted(promise.accepted, chosen)
        ? promise.accepted.attestations
        : undefined,
    ),
    acceptorCount,
  );
  return { latest, proof: { ballot: chosen.ballot, value: chosen.value, attestations } };
}
