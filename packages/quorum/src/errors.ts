/**
 * Every error code `@p2p/quorum` reports: in operation results and client responses (a peer
 * or seed matches on them) and for caller mistakes.
 */
export type QuorumErrorCode =
  | "BUSY"
  | "CONFIG_INVALID"
  | "EVIDENCE_INVALID"
  | "KEY_MISMATCH"
  | "NO_QUORUM"
  | "NOT_ADMITTED"
  | "NOT_MEMBER"
  | "NOT_OWN_RECORD"
  | "STALE_INCARNATION"
  | "TIME_WENT_BACKWARDS"
  | "TRANSITION_INVALID"
  | "UNREACHABLE";
