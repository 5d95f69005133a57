/**
 * The base error of p2p. Every error carries a permanent string `code` (safe to match on),
 * a one-line message saying what failed and what to do, and an optional `cause`.
 */
export class P2pError<Code extends string = string> extends Error {
  /** Stable machine-readable code, e.g. `FRAME_TOO_LARGE`. Never changes once published. */
  readonly code: Code;

  constructor(code: Code, message: string, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = "P2pError";
    this.code = code;
  }

  /** True when `value` is a P2pError (optionally with the given code), across package copies. */
  static is<C extends string = string>(value: unknown, code?: C): value is P2pError<C> {
    if (typeof value !== "object" || value === null) return false;
    const candidate = value as { name?: unknown; code?: unknown };
    if (candidate.name !== "P2pError" || typeof candidate.code !== "string") return false;
    return code === undefined || candidate.code === code;
  }
}

/** A value or a typed error, for APIs that report peer mistakes as data rather than throwing. */
export type Result<T, E = P2pError> = { ok: true; value: T } | { ok: false; error: E };

/** Builds a successful {@link Result}. */
export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

/** Builds a failed {@link Result}. */
export function err<E>(error: E): { ok: false; error: E } {
  return { ok: false, error };
}

/** Exhaustiveness check for `switch` over a discriminated union. */
export function assertNever(value: never, what = "value"): never {
  throw new P2pError<WireErrorCode>("UNREACHABLE", `unexpected ${what}: ${JSON.stringify(value)}`);
}

/**
 * Every code `@p2p/wire` uses (transports, framing, codecs, addresses, machines). Each package
 * exports the union of its own codes; one spelling per meaning across packages
 * (`ADDRESS_INVALID`, `CONFIG_INVALID`, `TIME_WENT_BACKWARDS`, …).
 */
export type WireErrorCode =
  | "ADDRESS_INVALID"
  | "CONFIG_INVALID"
  | "CONNECTION_CLOSED"
  | "CONNECTION_FAILED"
  | "DIAL_ABORTED"
  | "DIAL_FAILED"
  | "DIAL_TIMEOUT"
  | "FRAME_EMPTY"
  | "FRAME_TOO_LARGE"
  | "FRAME_UNAUTHENTICATED"
  | "HANDSHAKE_FAILED"
  | "LISTEN_FAILED"
  | "MESSAGE_INVALID"
  | "MESSAGE_UNDECODABLE"
  | "TIME_WENT_BACKWARDS"
  | "UNREACHABLE";
