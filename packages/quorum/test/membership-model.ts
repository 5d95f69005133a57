/** The sequential model of one membership record, built from the package's own change functions. */
import {
  type Change,
  leaveChange,
  type MemberRecord,
  markDeadChange,
  readChange,
  registerChange,
  updateNeighboursChange,
} from "../src/index.js";
import { fakeEvidenceValidator, normalise, type Outcome } from "./cluster.js";
import type { Model } from "./linearizability.js";

/** A client operation on one key. */
export type MemberOperation =
  | { readonly kind: "register"; readonly neighbours: readonly string[] }
  | { readonly kind: "update-neighbours"; readonly neighbours: readonly string[] }
  | { readonly kind: "mark-dead"; readonly incarnation: number; readonly voters: readonly string[] }
  | { readonly kind: "leave"; readonly incarnation: number }
  | { readonly kind: "get" };

function changeOf(address: string, operation: MemberOperation): Change {
  switch (operation.kind) {
    case "register":
      return registerChange(address, { neighbours: operation.neighbours }, 0);
    case "update-neighbours":
      return updateNeighboursChange(address, operation.neighbours, 0);
    case "mark-dead":
      return markDeadChange(
        address,
        operation.incarnation,
        { voters: operation.voters },
        fakeEvidenceValidator,
        0,
      );
    case "leave":
      return leaveChange(address, operation.incarnation, 0);
    case "get":
      return readChange;
  }
}

/** The per-key model: state = the record (or absent). */
export function membershipModel(
  address: string,
): Model<MemberRecord | undefined, MemberOperation, Outcome> {
  return {
    init: undefined,
    step(state, input, output) {
      const result = changeOf(address, input)(state);
      const next = result.ok ? result.value : state;
      if (output === undefined) return { state: next };
      if (output.ok && result.ok) {
        return output.state === normalise(result.value) ? { state: next } : undefined;
      }
      if (!output.ok && !result.ok) {
        return output.code === result.error.code ? { state: next } : undefined;
      }
      return undefined;
    },
    key: normalise,
  };
}
