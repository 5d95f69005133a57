import type { Options } from "msgpackr";
// The pure JavaScript build in every runtime: Node's default entry also loads the native
// `msgpackr-extract` addon (about 6 MB of resident memory per process), which speeds up only
// long strings, and p2p frames carry short ones.
import { Packr } from "msgpackr/pack";
import type { z } from "zod";
import { err, ok, P2pError, type Result, type WireErrorCode } from "./errors.js";
import { checkMaxFrameBytes, DEFAULT_MAX_FRAME_BYTES } from "./framing.js";

/** Turns typed messages into msgpack frame bodies and back, validating both ways. */
export interface Codec<T> {
  /**
   * Validates `message` against the schema and encodes it as one msgpack value (a frame body,
   * without the length prefix). Throws `MESSAGE_INVALID` or `FRAME_TOO_LARGE` (caller mistakes).
   */
  encode(message: T): Uint8Array;
  /**
   * Decodes one frame body. Never throws: `MESSAGE_UNDECODABLE` (not one whole msgpack value),
   * `MESSAGE_INVALID` (fails the schema; the message names the field path), `FRAME_TOO_LARGE`.
   */
  decode(body: Uint8Array): Result<T, P2pError>;
}

/** Options for {@link createCodec}. */
export interface CodecOptions {
  /** Largest body encoded or decoded (default 1 MiB, the frame limit). */
  readonly maxFrameBytes?: number;
}

/**
 * The msgpack settings of the wire: plain, interoperable msgpack (no msgpackr records or
 * extensions for objects), maps decode to plain objects, `undefined` encodes as nil, binary
 * values are copied out of the frame, 64-bit integers decode to numbers when they are safe
 * integers (otherwise to bigints, which number schemas refuse). msgpackr never assigns a `__proto__` key as a prototype.
 */
export function createPackr(): Packr {
  const settings = {
    useRecords: false,
    mapsAsObjects: true,
    variableMapSize: true,
    encodeUndefinedAsNil: true,
    copyBuffers: true,
    // 64-bit integers (as Go or Python clients may send them) decode to numbers when safe.
    int64AsType: "auto",
    moreTypes: false,
    structuredClone: false,
    bundleStrings: false,
  };
  // msgpackr supports int64AsType "auto" at runtime; its type declarations lag behind.
  return new Packr(settings as unknown as Options);
}

function valueAt(root: unknown, path: readonly PropertyKey[]): unknown {
  let current = root;
  for (const key of path) {
    if (typeof current !== "object" || current === null) return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/**
 * Formats zod issues as one line: `seeds.1.port: expected number, received string; ...`.
 * `input` (the value that was validated) lets type errors say what was received.
 */
export function formatIssues(
  issues: readonly z.core.$ZodIssue[],
  input?: unknown,
  limit = 5,
): string {
  return issues
    .slice(0, limit)
    .map((issue) => {
      const path = issue.path.length === 0 ? "(message)" : issue.path.map(String).join(".");
      if (issue.code === "invalid_type") {
        const received = describeReceived(valueAt(input, issue.path));
        return `${path}: expected ${issue.expected}, received ${received}`;
      }
      return `${path}: ${issue.message}`;
    })
    .join("; ");
}

function describeReceived(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (Array.isArray(value)) return "array";
  if (value instanceof Uint8Array) return "binary";
  if (typeof value === "number" && !Number.isFinite(value)) return String(value);
  return typeof value;
}

function shorten(text: string, limit = 200): string {
  return text.length > limit ? `${text.slice(0, limit)}…` : text;
}

/**
 * Builds a codec from a zod schema (typically a discriminated union on `type`). Encoding
 * validates too, so a node never sends what its peers would refuse. The same message object
 * encoded again right after is not validated or packed again: do not change a message after
 * encoding it.
 */
export function createCodec<T>(schema: z.ZodType<T>, options: CodecOptions = {}): Codec<T> {
  const maxFrameBytes = checkMaxFrameBytes(options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES);
  const packr = createPackr();
  // The last message encoded and its body. A node often sends one message to several peers in
  // a row (a gossip forward to each neighbour, an accept to every acceptor): it is validated
  // and packed once. Messages are values, never changed after they are built.
  let lastMessage: T | undefined;
  let lastBody: Uint8Array | undefined;

  return {
    encode(message) {
      if (message === lastMessage && lastBody !== undefined) return lastBody;
      const parsed = schema.safeParse(message);
      if (!parsed.success) {
        throw new P2pError<WireErrorCode>(
          "MESSAGE_INVALID",
          `cannot encode an invalid message: ${formatIssues(parsed.error.issues, message)}`,
        );
      }
      const body: Uint8Array = packr.pack(message);
      if (body.byteLength > maxFrameBytes) {
        throw new P2pError<WireErrorCode>(
          "FRAME_TOO_LARGE",
          `encoded message of ${body.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
        );
      }
      lastMessage = message;
      lastBody = body;
      return body;
    },
    decode(body) {
      if (body.byteLength === 0) {
        return err(
          new P2pError<WireErrorCode>(
            "MESSAGE_UNDECODABLE",
            "body is empty; expected one msgpack value",
          ),
        );
      }
      if (body.byteLength > maxFrameBytes) {
        return err(
          new P2pError<WireErrorCode>(
            "FRAME_TOO_LARGE",
            `body of ${body.byteLength} bytes exceeds the limit of ${maxFrameBytes} bytes`,
          ),
        );
      }
      let value: unknown;
      try {
        value = packr.unpack(body);
      } catch (cause) {
        const reason = cause instanceof Error ? cause.message : String(cause);
        return err(
          new P2pError<WireErrorCode>(
            "MESSAGE_UNDECODABLE",
            `body is not one msgpack value: ${shorten(reason)}`,
            {
              cause,
            },
          ),
        );
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) {
        return err(
          new P2pError<WireErrorCode>("MESSAGE_INVALID", formatIssues(parsed.error.issues, value)),
        );
      }
      return ok(parsed.data);
    },
  };
}
