/** Every error code `@p2p/gossip` throws (caller mistakes; peers' mistakes are events). */
export type GossipErrorCode = "CONFIG_INVALID" | "PAYLOAD_TOO_LARGE" | "TIME_WENT_BACKWARDS";
