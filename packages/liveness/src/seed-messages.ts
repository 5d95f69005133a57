import { AddressSchema } from "@p2p/wire";
import { z } from "zod";
import { PingSchema, PongSchema } from "./messages.js";

/**
 * One seed asks the others to probe `address` themselves (its neighbours cannot form a
 * majority, or it was left without any): each seed's registry accepts such a removal only
 * on its own failed probe.
 */
export const SeedProbeRequestSchema = z.object({
  type: z.literal("liveness.seed-probe"),
  address: AddressSchema,
  incarnation: z.number().int().nonnegative(),
});
export type SeedProbeRequest = z.infer<typeof SeedProbeRequestSchema>;

/** Every message a seed prober sends or receives. */
export const SeedProberMessageSchema = z.discriminatedUnion("type", [
  PingSchema,
  PongSchema,
  SeedProbeRequestSchema,
]);
export type SeedProberMessage = z.infer<typeof SeedProberMessageSchema>;
