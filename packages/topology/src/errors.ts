/**
 * Every error code `@p2p/topology` throws (caller mistakes): a bad argument to a graph or fit
 * function, a bad overlay config, time going backwards in the overlay machine.
 */
export type TopologyErrorCode = "ARGUMENT_INVALID" | "CONFIG_INVALID" | "TIME_WENT_BACKWARDS";
