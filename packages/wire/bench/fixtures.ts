// What the wire benchmarks share: a typical gossip message.
import { z } from "zod";
import { AddressSchema } from "../src/index.js";

/** A gossip message as the benchmarks encode it. */
export const GossipSchema = z.object({
  type: z.literal("gossip.message"),
  id: z.string(),
  origin: AddressSchema,
  createdAtMs: z.number().int(),
  hops: z.number().int().min(0),
  body: z.string(),
});
export type Gossip = z.infer<typeof GossipSchema>;
