/**
 * The sequential reference model of one membership record, written from the rules in the
 * package README (not from the implementation's change functions, so a bug there shows up
 * as a disagreement instead of being copied into the model).
 */
import type { Outcome } from "./cluster.js";
import type { Model } from "./linearizability.js";

/** A client operation on one key. */
export type MemberOperation =
  | {
      readonly kind: "register";
      readonly neighbours: readonly string[];
      /** The key the peer registers (hex), if it names one. */
      readonly publicKey?: string;
    }
  | { readonly kind: "update-neighbours"; readonly neighbours: readonly string[] }
  | { readonly kind: "mark-dead"; readonly incarnation: number; readonly voters: readonly string[] }
  | { readonly kind: "leave"; readonly incarnation: number }
  | { readonly kind: "get" };

/** The model's record: only what a client can observe. */
interface ModelRecord {
  readonly status: "alive" | "dead" | "left";
  readonly incarnation: number;
  /** Unique, sorted, without the peer itself. */
  readonly neighbours: readonly string[];
  readonly publicKey: string | null;
  /** The evidence the removal carried (dead only). */
  readonly evidence: { readonly voters: readonly string[] } | null;
}

/** The state of one key: absent, or a record. */
export type ModelState = ModelRecord | undefined;

type Step =
  | { readonly ok: true; readonly state: ModelState }
  | { readonly ok: false; readonly code: string };

const fail = (code: string): Step => ({ ok: false, code });
const become = (state: ModelState): Step => ({ ok: true, state });

const canonicalNeighbours = (address: string, neighbours: readonly string[]): string[] =>
  [...new Set(neighbours)].filter((neighbour) => neighbour !== address).sort();

/** Removal evidence holds when two distinct voters are neighbours of the record. */
const isEnoughEvidence = (record: ModelRecord, voters: readonly string[]): boolean =>
  new Set(voters.filter((voter) => record.neighbours.includes(voter))).size >= 2;

/**
 * One operation on `state`, by the README's rules:
 * - register: absent → alive, incarnation 0; a tombstone (dead or left) → alive, incarnation + 1
 *   (with the key it names, or none); alive → the same incarnation, neighbours replaced, the
 *   named key bound if the record had none; a key other than the record's: KEY_MISMATCH;
 * - update-neighbours: alive → neighbours replaced; absent or a tombstone: NOT_MEMBER;
 * - mark-dead and leave of an incarnation: absent: NOT_MEMBER; another incarnation:
 *   STALE_INCARNATION; already so: unchanged; the other tombstone: NOT_MEMBER; a removal
 *   needs two neighbours' votes (EVIDENCE_INVALID); a leave keeps no neighbours and no key;
 * - get: the record as it is.
 */
export function applyOperation(
  address: string,
  state: ModelState,
  operation: MemberOperation,
): Step {
  switch (operation.kind) {
    case "get":
      return become(state);
    case "register": {
      const neighbours = canonicalNeighbours(address, operation.neighbours);
      const named = operation.publicKey ?? null;
      if (state === undefined || state.status !== "alive") {
        const incarnation = state === undefined ? 0 : state.incarnation + 1;
        return become({
          status: "alive",
          incarnation,
          neighbours,
          publicKey: named,
          evidence: null,
        });
      }
      if (named !== null && state.publicKey !== null && named !== state.publicKey) {
        return fail("KEY_MISMATCH");
      }
      return become({ ...state, neighbours, publicKey: state.publicKey ?? named });
    }
    case "update-neighbours":
      if (state === undefined || state.status !== "alive") return fail("NOT_MEMBER");
      return become({ ...state, neighbours: canonicalNeighbours(address, operation.neighbours) });
    case "mark-dead":
      if (state === undefined) return fail("NOT_MEMBER");
      if (state.incarnation !== operation.incarnation) return fail("STALE_INCARNATION");
      if (state.status === "dead") return become(state);
      if (state.status === "left") return fail("NOT_MEMBER");
      if (!isEnoughEvidence(state, operation.voters)) return fail("EVIDENCE_INVALID");
      return become({ ...state, status: "dead", evidence: { voters: [...operation.voters] } });
    case "leave":
      if (state === undefined) return fail("NOT_MEMBER");
      if (state.incarnation !== operation.incarnation) return fail("STALE_INCARNATION");
      if (state.status === "left") return become(state);
      if (state.status === "dead") return fail("NOT_MEMBER");
      return become({
        status: "left",
        incarnation: state.incarnation,
        neighbours: [],
        publicKey: null,
        evidence: null,
      });
  }
}

/** The model's state in the form `normalise` (cluster.ts) gives a record a client received. */
export function describeState(state: ModelState): string {
  if (state === undefined) return "absent";
  return JSON.stringify([
    state.status,
    state.incarnation,
    state.neighbours,
    state.publicKey,
    state.evidence,
  ]);
}

/** The per-key model: a failed operation leaves the state as it was. */
export function membershipModel(address: string): Model<ModelState, MemberOperation, Outcome> {
  return {
    init: undefined,
    step(state, input, output) {
      const result = applyOperation(address, state, input);
      const next = result.ok ? result.state : state;
      if (output === undefined) return { state: next };
      if (output.ok !== result.ok) return undefined;
      if (output.ok && result.ok) {
        return output.state === describeState(result.state) ? { state: next } : undefined;
      }
      return !output.ok && !result.ok && output.code === result.code ? { state: next } : undefined;
    },
    key: describeState,
  };
}
