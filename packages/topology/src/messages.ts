import { z } from "zod";

/**
 * A peer tells a peer it chose that they are now neighbours (the overlay is undirected).
 * Other peer connections — vote requests, probes — never make neighbours.
 */
export const NeighbourRequestSchema = z.object({ type: z.literal("node.neighbour") });

/** The chosen peer refuses: it already has as many neighbours as its cap allows. */
export const NeighbourRefusedSchema = z.object({ type: z.literal("node.neighbour-refused") });

/** Every message of the overlay protocol. */
export const OverlayMessageSchema = z.discriminatedUnion("type", [
  NeighbourRequestSchema,
  NeighbourRefusedSchema,
]);

/** A message of the overlay protocol. */
export type OverlayMessage = z.infer<typeof OverlayMessageSchema>;
