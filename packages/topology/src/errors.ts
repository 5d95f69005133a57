/** Every error code `@p2p/topology` throws (caller mistakes: a bad argument or config). */
export type TopologyErrorCode = "ARGUMENT_INVALID" | "TIME_WENT_BACKWARDS";
