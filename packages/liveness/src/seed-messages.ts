import { AddressSchema } from "@p2p/wire";
import { z } from "zod";
import { PingSchema, PongSchema, SignedVoteSchema } from "./messages.js";

/**
 * One seed asks the others to probe `address` themselves (its neighbours cannot form a
 * majority, or it was left without any): each seed's registry accepts such a removal only
 * on its own failed probe. From a peer it is a hint: a live neighbour of `address`, which has
 * fewer than three live neighbours, began to suspect it, and the seeds begin their probe now
 * instead of when the dead report comes.
 */
export const SeedProbeRequestSchema = z.object({
  type: z.literal("liveness.seed-probe"),
  address: AddressSchema,
  incarnation: z.number().int().nonnegative(),
});
/** A seed asks a peer directly whether it is alive (when too few neighbours can vote). */
export type SeedProbeRequest = z.infer<typeof SeedProbeRequestSchema>;

/**
 * A signed alive vote, sent by the voter straight to every seed (and relayed once by a seed to
 * the others), so that the peer that asked for it cannot hide it: a seed holding an alive vote
 * about a suspect refuses its removal until its own probe of the suspect, begun after the
 * vote, gets no answer.
 */
export const AliveVoteMessageSchema = z.object({
  type: z.literal("liveness.alive-vote"),
  vote: SignedVoteSchema,
});
/** A signed alive vote on its way to (or between) the seeds. */
export type AliveVoteMessage = z.infer<typeof AliveVoteMessageSchema>;

/** Every message a seed prober sends or receives. */
export const SeedProberMessageSchema = z.discriminatedUnion("type", [
  PingSchema,
  PongSchema,
  SeedProbeRequestSchema,
  AliveVoteMessageSchema,
]);
/** Every message of the seeds' own prober. */
export type SeedProberMessage = z.infer<typeof SeedProberMessageSchema>;
