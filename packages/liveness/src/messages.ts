import { AddressSchema } from "@p2p/wire";
import { z } from "zod";

/**
 * The id of one vote round about a suspect: 16 hex digits chosen by the suspecting peer when
 * it starts the round. Votes of different rounds cannot be added up.
 */
export const RoundIdSchema = z.string().regex(/^[0-9a-f]{16}$/, "expected 16 hex digits");

/** A signed vote about a suspect: the unit of evidence the seeds check. */
export const SignedVoteSchema = z.object({
  voter: AddressSchema,
  suspect: AddressSchema,
  incarnation: z.number().int().nonnegative(),
  /** The vote round this vote answers (signed: a vote cannot be moved to another round). */
  round: RoundIdSchema,
  verdict: z.enum(["dead", "alive"]),
  /** Wall-clock time the vote was signed, in ms since the epoch. */
  issuedAtMs: z.number().int().nonnegative(),
  /** Ed25519 signature over {@link voteSigningBytes}, hex. */
  signature: z.string().regex(/^[0-9a-f]{128}$/, "expected a 64-byte hex signature"),
});
/** A signed vote about a suspect. */
export type SignedVote = z.infer<typeof SignedVoteSchema>;

/** What a reporter hands the seeds: the votes it gathered about one incarnation of a suspect. */
export const DeadEvidenceSchema = z.object({
  suspect: AddressSchema,
  incarnation: z.number().int().nonnegative(),
  /** The one round every vote must belong to. */
  round: RoundIdSchema,
  reporter: AddressSchema,
  votes: z.array(SignedVoteSchema).max(1024),
  /** True when the reporter knew too few neighbours of the suspect for a vote: the seeds must probe. */
  insufficientNeighbours: z.boolean(),
});
/** Evidence that a suspect is dead. */
export type DeadEvidence = z.infer<typeof DeadEvidenceSchema>;

/** A probe. `sentAtMs` and `sequence` are echoed in the pong. */
export const PingSchema = z.object({
  type: z.literal("liveness.ping"),
  sequence: z.number().int().nonnegative(),
  sentAtMs: z.number(),
});
/** A liveness probe from a neighbour. */
export type Ping = z.infer<typeof PingSchema>;

/** The answer to a ping; carries the sender's incarnation and current neighbour list. */
export const PongSchema = z.object({
  type: z.literal("liveness.pong"),
  sequence: z.number().int().nonnegative(),
  sentAtMs: z.number(),
  incarnation: z.number().int().nonnegative(),
  neighbours: z.array(AddressSchema).max(4096),
});
/** The answer to a ping. */
export type Pong = z.infer<typeof PongSchema>;

/** "Please probe `suspect` yourself and send me your signed vote." */
export const VoteRequestSchema = z.object({
  type: z.literal("liveness.vote-request"),
  suspect: AddressSchema,
  incarnation: z.number().int().nonnegative(),
  round: RoundIdSchema,
});
/** A suspicious neighbour asks the suspect's other neighbours to vote on it. */
export type VoteRequest = z.infer<typeof VoteRequestSchema>;

/** A voter's answer to a vote request. */
export const VoteMessageSchema = z.object({
  type: z.literal("liveness.vote"),
  vote: SignedVoteSchema,
});
/** A signed vote sent back to the neighbour that asked for it. */
export type VoteMessage = z.infer<typeof VoteMessageSchema>;

/** Every liveness wire message, for the host's codec. */
export const LivenessMessageSchema = z.discriminatedUnion("type", [
  PingSchema,
  PongSchema,
  VoteRequestSchema,
  VoteMessageSchema,
]);
/** Every liveness wire message. */
export type LivenessMessage = z.infer<typeof LivenessMessageSchema>;
