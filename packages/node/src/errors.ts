/** Every error code `@p2p/node` reports (link handshakes, a peer's start). */
export type NodeErrorCode = "HELLO_EXPECTED" | "HELLO_TIMEOUT" | "REGISTRATION_FAILED" | "STOPPED";
