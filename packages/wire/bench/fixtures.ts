// What the wire benchmarks share: the machine line and a typical gossip message.
import { cpus } from "node:os";
import { z } from "zod";
import { AddressSchema } from "../src/index.js";

/** The machine a benchmark ran on: CPU model × cores, Node version. */
export function machine(): string {
  const cores = cpus();
  return `${cores[0]?.model ?? "unknown CPU"} × ${cores.length} cores, Node ${process.version}`;
}

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
