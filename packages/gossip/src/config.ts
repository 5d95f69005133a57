import { AddressSchema, parseConfig } from "@p2p/wire";
import { z } from "zod";

/** The message generator of the seed document: `count` messages, one every `intervalMs`. */
export const GeneratorConfigSchema = z.object({
  intervalMs: z.number().int().positive().default(5000),
  count: z.number().int().nonnegative().default(10),
});

/**
 * Catch-up for late joiners: the most recent messages (payload included), at most
 * `maxMessages` of them and none older than `maxAgeMs` (input time; also never older than
 * `messageList.ttlMs`), are sent to a neighbour when it is added, oldest first.
 */
export const CatchUpConfigSchema = z.object({
  maxMessages: z.number().int().positive().default(256),
  maxAgeMs: z.number().int().positive().default(60_000),
});

/** Configuration of {@link createGossip}; every field but `self` has a default. */
export const GossipConfigSchema = z.object({
  /** This peer's address, "ip:port": the origin of what it publishes. */
  self: AddressSchema,
  /** The seed-document generator, or `false` to publish only on request. */
  generator: z
    .union([GeneratorConfigSchema, z.literal(false)])
    .default({ intervalMs: 5000, count: 10 }),
  /**
   * The message list (seen set): at most `maxEntries` ids, each kept for `ttlMs` of input time,
   * and at most `maxPerOrigin` of them from any one origin. While an origin has `maxPerOrigin`
   * unexpired ids in the list, its new messages are rejected (`origin-over-limit`) rather than
   * evicting other origins' ids. `maxPerOrigin` defaults to ⌊maxEntries / 10⌋ (1,000 with the
   * default `maxEntries`), so flushing the list takes more than 10 registered identities.
   */
  messageList: z
    .object({
      maxEntries: z.number().int().positive().default(10_000),
      ttlMs: z
        .number()
        .int()
        .positive()
        .default(10 * 60_000),
      maxPerOrigin: z.number().int().positive().optional(),
    })
    .refine((list) => list.maxPerOrigin === undefined || list.maxPerOrigin <= list.maxEntries, {
      path: ["maxPerOrigin"],
      message: "must be at most messageList.maxEntries",
    })
    .transform((list) => ({
      maxEntries: list.maxEntries,
      ttlMs: list.ttlMs,
      maxPerOrigin: list.maxPerOrigin ?? Math.max(1, Math.floor(list.maxEntries / 10)),
    }))
    .prefault({}),
  /**
   * The waiting room for received messages that cannot be judged yet (sender not yet a
   * neighbour, origin's key not yet known): at most `maxMessages`, `maxPerSender` from one
   * sender, each for at most `ttlMs` of input time, then rejected with its reason.
   */
  pending: z
    .object({
      maxMessages: z.number().int().positive().default(1_024),
      maxPerSender: z.number().int().positive().default(64),
      ttlMs: z.number().int().positive().default(10_000),
    })
    .prefault({}),
  /** Built-in forwarding policy; a custom one can be passed in the dependencies instead. */
  forwarding: z
    .discriminatedUnion("type", [
      z.object({ type: z.literal("flood") }),
      z.object({
        type: z.literal("random-fanout"),
        fanout: z.number().int().positive().default(3),
      }),
    ])
    .default({ type: "flood" }),
  /**
   * Catch-up for neighbours added after messages were made (late joiners), or `false` to turn
   * it off: a new neighbour is sent the buffered recent messages it is not known to have.
   */
  catchUp: z
    .union([CatchUpConfigSchema, z.literal(false)])
    .default({ maxMessages: 256, maxAgeMs: 60_000 }),
  /** Larger payloads are refused on publish (throws) and on receipt (counted as rejected). */
  maxPayloadBytes: z
    .number()
    .int()
    .positive()
    .default(64 * 1024),
  /** A message that has crossed this many links is delivered but not forwarded further. */
  maxHops: z.number().int().positive().default(64),
  /**
   * Recompute each new message's id from origin and payload and refuse a mismatch. The origin's
   * signature covers origin and payload, not the id, so turning this off lets a neighbour attach
   * a genuine message to another message's id (and so suppress that message): keep it on
   * anywhere but a trusted simulation.
   */
  verifyIds: z.boolean().default(true),
});

/** Configuration as the caller writes it (defaults optional). */
export type GossipConfigInput = z.input<typeof GossipConfigSchema>;
/** Configuration after validation, with every default applied. */
export type GossipConfig = Readonly<z.output<typeof GossipConfigSchema>>;

/** Validates `input`, applies defaults and freezes the result; throws `CONFIG_INVALID` naming every bad field. */
export function parseGossipConfig(input: GossipConfigInput): GossipConfig {
  return parseConfig(GossipConfigSchema, input, "gossip config");
}
