/**
 * Every error code `@p2p/liveness` uses: caller mistakes it throws (config, time, incarnation)
 * and the verdicts of the seeds' evidence check.
 */
export type LivenessErrorCode =
  | "CONFIG_INVALID"
  | "EVIDENCE_INVALID"
  | "EVIDENCE_NEEDS_PROBE"
  | "EVIDENCE_NO_OP"
  | "EVIDENCE_REJECTED"
  | "INCARNATION_INVALID"
  | "TIME_WENT_BACKWARDS";
