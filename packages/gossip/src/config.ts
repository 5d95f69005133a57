import { AddressSchema, parseConfig } from "@p2p/wire";
import { z } from "zod";
import { MAX_IHAVE_IDS } from "./messages.js";

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

const milliseconds = z.number().int().positive();
const count = z.number().int().positive();

/**
 * Plumtree forwarding (Leitão, Pereira, Rodrigues 2007, "Epidemic Broadcast Trees"): full
 * copies go to eager neighbours (a tree, pruned on duplicates), ids go to the others in
 * `gossip.ihave`; a peer that hears of an id it lacks grafts the announcer after a timeout.
 * Every table a neighbour can grow is bounded here.
 */
export const PlumtreeConfigSchema = z
  .object({
    type: z.literal("plumtree"),
    /** After the first announcement of a missing id, how long to wait for the tree's copy before grafting. */
    missingTimeoutMs: milliseconds.default(300),
    /** After a graft, how long to wait for the copy before grafting again (the next announcer). */
    graftTimeoutMs: milliseconds.default(150),
    /** Grafts for one missing id before it is forgotten (a later announcement starts again). */
    maxGraftAttempts: count.default(8),
    /**
     * Full copies in a row that an eager neighbour must send of messages this peer already has
     * before it leaves the tree (PRUNE); a first copy from it starts the count again. The paper
     * prunes on the first duplicate, but under traffic from many origins two messages in
     * flight can each prune a different link of one cycle and cut the tree, leaving the peers
     * beyond it to wait for an announcement and a graft (`missingTimeoutMs`), message after
     * message; a link that is redundant for several messages in a row is rarely the last one.
     * A link a graft put back is pruned on its first duplicate until it carries a first copy.
     */
    pruneAfterDuplicates: count.default(3),
    /**
     * Announcements are held this long to be sent together (0: at the end of each step). Each
     * frame costs a system call and a wake-up between real processes: sent at once, the ids
     * took more frames than flooding's full copies (30 peers: 76 announcement frames per
     * message against flooding's 85 copies); held 250 ms, they take 14. The tree's copies
     * are not held, and a lost one is grafted at most this much later.
     */
    announceDelayMs: z.number().int().nonnegative().default(250),
    /** Ids per `gossip.ihave` (at most the wire limit, 256). */
    maxIhaveIds: count.max(MAX_IHAVE_IDS).default(MAX_IHAVE_IDS),
    /**
     * Repair under loss: each recent id is announced again to the neighbours not known to have
     * it, `reannounceRounds` times, first `reannounceIntervalMs` after it arrived, each round
     * twice as long after the one before (0 rounds: only the first announcement). Rounds fall
     * due on a grid of an eighth of the interval, so ids due close together share one
     * `gossip.ihave`.
     */
    reannounceIntervalMs: milliseconds.default(1_000),
    reannounceRounds: z.number().int().nonnegative().default(4),
    /**
     * Messages kept to answer grafts and to announce again: at most `maxMessages`, none older
     * than `maxAgeMs` (nor than `messageList.ttlMs`).
     */
    cache: z
      .object({ maxMessages: count.default(1_024), maxAgeMs: milliseconds.default(60_000) })
      .prefault({}),
    /** Announced ids this peer lacks and waits for: at most `maxMissing` in all. */
    maxMissing: count.default(1_024),
    /** …at most `maxMissingPerNeighbour` of them announced by one neighbour… */
    maxMissingPerNeighbour: count.default(256),
    /** …and at most `maxAnnouncers` announcers remembered per id. */
    maxAnnouncers: count.default(4),
  })
  .refine((plumtree) => plumtree.maxMissingPerNeighbour <= plumtree.maxMissing, {
    path: ["maxMissingPerNeighbour"],
    message: "must be at most maxMissing",
  });

/** Configuration of {@link createGossip}; every field but `self` has a default. */
export const GossipConfigSchema = z
  .object({
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
     * `maxPerSender` is at least the catch-up batch (256 by default): a new neighbour sends its
     * whole batch as soon as it accepts, usually before this side counts it as a neighbour.
     */
    pending: z
      .object({
        maxMessages: z.number().int().positive().default(1_024),
        maxPerSender: z.number().int().positive().default(256),
        ttlMs: z.number().int().positive().default(10_000),
      })
      .prefault({}),
    /**
     * Built-in forwarding: `flood` (the default), `random-fanout`, or `plumtree` (an eager tree
     * with lazy repair, see {@link PlumtreeConfigSchema}). A custom policy can be passed in the
     * dependencies instead of `flood` or `random-fanout`.
     */
    forwarding: z
      .discriminatedUnion("type", [
        z.object({ type: z.literal("flood") }),
        z.object({
          type: z.literal("random-fanout"),
          fanout: z.number().int().positive().default(3),
        }),
        PlumtreeConfigSchema,
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
  })
  .refine(
    (config) =>
      config.catchUp === false || config.pending.maxPerSender >= config.catchUp.maxMessages,
    {
      path: ["pending", "maxPerSender"],
      message:
        "must be at least catchUp.maxMessages: a new neighbour's whole catch-up batch may wait here",
    },
  );

/** Plumtree settings after validation. */
export type PlumtreeConfig = Readonly<z.output<typeof PlumtreeConfigSchema>>;
/** Configuration as the caller writes it (defaults optional). */
export type GossipConfigInput = z.input<typeof GossipConfigSchema>;
/** Configuration after validation, with every default applied. */
export type GossipConfig = Readonly<z.output<typeof GossipConfigSchema>>;

/** Validates `input`, applies defaults and freezes the result; throws `CONFIG_INVALID` naming every bad field. */
export function parseGossipConfig(input: GossipConfigInput): GossipConfig {
  return parseConfig(GossipConfigSchema, input, "gossip config");
}
