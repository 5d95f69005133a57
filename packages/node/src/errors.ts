/** Every error code `@p2p/node` reports (refused links, a peer's start). */
export type NodeErrorCode =
  /** An inbound link claimed an address whose listener did not prove the same key. */
  | "ADDRESS_NOT_PROVEN"
  /** A node's options are inconsistent (a seed whose key is not the one pinned for it, …). */
  | "CONFIG_INVALID"
  | "REGISTRATION_FAILED"
  /** A link claimed a role it may not hold (the seed role without a pinned key, …). */
  | "ROLE_REFUSED"
  | "STOPPED"
  /** An inbound link sent too much while its address was being proven. */
  | "TOO_MANY_MESSAGES";
