import { z } from "zod";

const rate = z.number().min(0).max(1);
const milliseconds = z.number().nonnegative().finite();

/** The behaviour of one direction of a link. */
export const LinkSchema = z
  .object({
    /** Base one-way delay. */
    latencyMs: milliseconds.default(10),
    /** Uniform extra delay in [0, jitterMs). */
    jitterMs: milliseconds.default(0),
    /** Probability that a message is lost (message-level network only). */
    lossRate: rate.default(0),
    /** Probability that a message is delivered twice (message-level network only). */
    duplicateRate: rate.default(0),
    /** Probability that a message gets an extra delay, so later ones can overtake it. */
    reorderRate: rate.default(0),
    /** Upper bound of that extra delay; default latencyMs + jitterMs (at least 1 ms). */
    reorderDelayMs: milliseconds.optional(),
    /**
     * Messages from one endpoint to another arrive in the order they were sent, as on a TCP
     * connection: one whose delay would make it overtake an earlier one arrives right after it
     * (message-level network only; it cannot be combined with `reorderRate`).
     */
    inOrder: z.boolean().default(false),
  })
  .strict()
  .refine((link) => !(link.inOrder && link.reorderRate > 0), {
    path: ["inOrder"],
    message: "cannot be combined with reorderRate > 0",
  });

/** A fully resolved link. */
export type Link = z.infer<typeof LinkSchema>;
/** Link settings as a caller writes them (every field optional). */
export type LinkInput = z.input<typeof LinkSchema>;

/** Configuration of {@link createSimulation}. */
export const SimulationConfigSchema = z
  .object({
    /** The seed of every random stream in the simulation. */
    seed: z.number().int().refine(Number.isSafeInteger, "must be a safe integer"),
    /** The default link between any two endpoints. */
    link: LinkSchema.prefault({}),
    /** Stream transport: how long a partition or crash takes to break a connection. */
    connectionBreakDelayMs: milliseconds.default(1000),
    /** Stream transport: dial timeout when the caller gives none. */
    dialTimeoutMs: milliseconds.default(5000),
    /** Stream transport: `send` returns false above this many bytes in flight per direction. */
    sendHighWaterMarkBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** Stream transport: the largest frame body `send` accepts. */
    maxFrameBytes: z
      .number()
      .int()
      .positive()
      .default(1024 * 1024),
    /** Async runners (`settle`, `runForAsync`): microtask turns granted to promise code between events. */
    microtaskTurns: z.number().int().positive().default(16),
    /** Keep every trace entry in memory (`traceEntries()`), for debugging a divergence. */
    recordTrace: z.boolean().default(false),
  })
  .strict();

/** A resolved, frozen simulation configuration. */
export type SimulationConfig = Readonly<z.infer<typeof SimulationConfigSchema>>;
/** Simulation configuration as a caller writes it. */
export type SimulationConfigInput = z.input<typeof SimulationConfigSchema>;
