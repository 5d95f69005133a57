import type { WireErrorCode } from "@p2p/wire";

/**
 * Every error code `@p2p/sim` throws: the transport's (the same as `@p2p/wire`'s transports)
 * and the simulation's own caller mistakes.
 */
export type SimErrorCode =
  | WireErrorCode
  | "ARGUMENT_INVALID"
  | "CONNECTION_BROKEN"
  | "NODE_EXISTS"
  | "PORTS_EXHAUSTED"
  | "REENTRANT_CALL"
  | "SETTLE_TIMEOUT"
  | "SIMULATION_STUCK";
