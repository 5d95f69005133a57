import { AddressSchema } from "@p2p/wire";
import { z } from "zod";
import { MAX_BALLOT_COUNTER } from "./ballot.js";

/** Largest neighbour list a record may carry on the wire (the registry config may set a lower limit). */
const MAX_WIRE_NEIGHBOURS = 1024;
const MAX_WIRE_STRING = 256;

const RequestIdSchema = z.string().min(1).max(MAX_WIRE_STRING);

/** A ballot on the wire. */
export const BallotSchema = z.object({
  counter: z.number().int().nonnegative().max(MAX_BALLOT_COUNTER),
  proposer: z.string().max(MAX_WIRE_STRING),
});

const HexKeySchema = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * A peer's own request, signed by its identity key: the proof an acceptor checks before it
 * lets a record change (see `packages/quorum/README.md`, "Transition table"). It travels in
 * the request and in the record the request produced, so any acceptor can check it.
 */
export const RequestProofSchema = z.object({
  kind: z.enum(["register", "leave", "neighbours"]),
  address: AddressSchema,
  /** The key that signed: the registered key (register: the key being registered). */
  publicKey: HexKeySchema,
  /** The incarnation the request is about (leave); null when the peer does not bind one. */
  incarnation: z.number().int().nonnegative().nullable(),
  /** The neighbour list the request sets (register, neighbours); null for a leave. */
  neighbours: z.array(AddressSchema).max(MAX_WIRE_NEIGHBOURS).nullable(),
  requestId: RequestIdSchema,
  /** Ed25519 over `requestSigningBytes` (128 hex digits). */
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

/** One peer's membership record, the value replicated per key (key = the peer's address). */
export const MemberRecordSchema = z.object({
  address: AddressSchema,
  status: z.enum(["alive", "dead", "left"]),
  incarnation: z.number().int().nonnegative(),
  publicKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  neighbours: z.array(AddressSchema).max(MAX_WIRE_NEIGHBOURS),
  changedAt: z.number(),
  evidence: z.unknown().optional(),
  /** The peer's signed request that made this record what it is (alive and left records). */
  proof: RequestProofSchema.optional(),
});

/** A peer's membership record. `evidence` is only present on "dead" records. */
export type MemberRecord = z.infer<typeof MemberRecordSchema>;

/** A peer's signed request (see {@link RequestProofSchema}). */
export type RequestProof = z.infer<typeof RequestProofSchema>;

/** Status of a membership record. */
export type MemberStatus = MemberRecord["status"];

/** Most operation ids an accepted value remembers (see `AcceptorState`). */
const MAX_WIRE_OPERATIONS = 1024;
const OperationsSchema = z.array(z.string().max(MAX_WIRE_STRING * 2)).max(MAX_WIRE_OPERATIONS);

/** Most attestations a certificate carries (one per seed). */
const MAX_WIRE_SEEDS = 64;

/**
 * A seed's signature of having accepted a value at a ballot (`p2p-accepted/v1` bytes, see
 * `certificate.ts`). A quorum of them over the same value is a commit certificate.
 */
export const AttestationSchema = z.object({
  seed: z.string().max(MAX_WIRE_STRING),
  signature: z.string().regex(/^[0-9a-f]{128}$/),
});

/** A seed's attestation of an accepted value. */
export type Attestation = z.infer<typeof AttestationSchema>;

const AttestationsSchema = z.array(AttestationSchema).max(MAX_WIRE_SEEDS);

const AcceptedSchema = z.object({
  ballot: BallotSchema,
  value: MemberRecordSchema.nullable(),
  operations: OperationsSchema,
  /** Attestations of this value the acceptor holds (its own, and a certificate it learned). */
  attestations: AttestationsSchema.optional(),
});

// ---- seed to seed (CASPaxos) ----

/** Phase 1a: a proposer asks for a promise on `key` at `ballot`. */
const PrepareMessageSchema = z.object({
  type: z.literal("quorum.prepare"),
  requestId: RequestIdSchema,
  key: AddressSchema,
  ballot: BallotSchema,
});

/** Phase 1b: the acceptor's answer; `ok: false` carries the higher ballot it already promised. */
const PromiseMessageSchema = z.object({
  type: z.literal("quorum.promise"),
  requestId: RequestIdSchema,
  key: AddressSchema,
  ballot: BallotSchema,
  ok: z.boolean(),
  promised: BallotSchema,
  accepted: AcceptedSchema.nullable(),
});

/**
 * Phase 2a: accept `value` at `ballot`. `nextBallot` piggybacks the proposer's next prepare
 * (the CASPaxos one-round-trip optimisation): an acceptor that accepts also promises it.
 */
const AcceptMessageSchema = z.object({
  type: z.literal("quorum.accept"),
  requestId: RequestIdSchema,
  key: AddressSchema,
  ballot: BallotSchema,
  value: MemberRecordSchema.nullable(),
  /** Ids of the operations that produced `value` (latest last, bounded). */
  operations: OperationsSchema,
  nextBallot: BallotSchema.nullable(),
  /**
   * The value the proposer read (the highest accepted among its promises) with the
   * attestations it gathered: an acceptor that lags behind it checks the transition from
   * this value, once the attestations prove it was committed.
   */
  base: z
    .object({
      ballot: BallotSchema,
      value: MemberRecordSchema.nullable(),
      attestations: AttestationsSchema,
    })
    .nullable()
    .optional(),
});

/** Phase 2b: accepted, or refused (a higher promise, or the validator's `reason`). */
const AcceptedMessageSchema = z.object({
  type: z.literal("quorum.accepted"),
  requestId: RequestIdSchema,
  key: AddressSchema,
  ballot: BallotSchema,
  ok: z.boolean(),
  promised: BallotSchema,
  reason: z.string().max(1024).nullable(),
  /** When accepted and seeds sign: this acceptor's attestation of the value. */
  attestation: AttestationSchema.nullable().optional(),
});

/** A proposer tells the other seeds about a committed value (updates their local view). */
const LearnMessageSchema = z.object({
  type: z.literal("quorum.learn"),
  key: AddressSchema,
  ballot: BallotSchema,
  value: MemberRecordSchema.nullable(),
  /** The commit certificate (when seeds sign): a quorum of attestations of the value. */
  attestations: AttestationsSchema.optional(),
});

// ---- peer to seed (client protocol) ----

/** A peer asks a seed to register it (idempotent for the same incarnation). */
const RegisterRequestSchema = z.object({
  type: z.literal("quorum.register-request"),
  requestId: RequestIdSchema,
  address: AddressSchema,
  publicKey: z
    .string()
    .regex(/^[0-9a-f]{64}$/)
    .optional(),
  neighbours: z.array(AddressSchema).max(MAX_WIRE_NEIGHBOURS).optional(),
  /** The same request signed by the peer (required by seeds that check proofs). */
  proof: RequestProofSchema.optional(),
});

/** The answer to a register request: the committed record, or an error. */
const RegisterResponseSchema = z.object({
  type: z.literal("quorum.register-response"),
  requestId: RequestIdSchema,
  ok: z.boolean(),
  record: MemberRecordSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** Most entries a reader may ask for in one page (a seed may send fewer). */
const MAX_WIRE_PAGE_ENTRIES = 100_000;

/** Most addresses one list request may name (`addresses`). */
export const MAX_LIST_ADDRESSES = 32;

/**
 * A peer asks for one page of a seed's local view of the membership: the records whose address
 * sorts after `after` (from the first one when absent), at most `limit` of them. With
 * `addresses`, it asks for those records only (a gossip origin it does not know yet): the seed
 * answers in one page with the ones it holds, and `after` and `limit` do not apply.
 */
const ListRequestSchema = z.object({
  type: z.literal("quorum.list-request"),
  requestId: RequestIdSchema,
  after: AddressSchema.optional(),
  limit: z.number().int().positive().max(MAX_WIRE_PAGE_ENTRIES).optional(),
  addresses: z.array(AddressSchema).min(1).max(MAX_LIST_ADDRESSES).optional(),
});

/** One entry of a list response: the record and its version (the ballot counter that committed it). */
export const MemberEntrySchema = z.object({ record: MemberRecordSchema, version: z.number() });

/**
 * One page of the seed's local view (every record it knows, tombstones included), sorted by
 * address. `next` is the cursor of the next page (ask again with `after: next`); null on the last
 * page (a seed that sends none has sent everything in one page).
 */
const ListResponseSchema = z.object({
  type: z.literal("quorum.list-response"),
  requestId: RequestIdSchema,
  members: z.array(MemberEntrySchema),
  next: AddressSchema.nullable().default(null),
});

/** A dead report: `evidence` (defined by the liveness package) must satisfy the acceptors' validator. */
const DeadReportSchema = z.object({
  type: z.literal("quorum.dead-report"),
  requestId: RequestIdSchema,
  address: AddressSchema,
  incarnation: z.number().int().nonnegative(),
  evidence: z.unknown(),
});

/** A peer leaves the network gracefully. */
const LeaveRequestSchema = z.object({
  type: z.literal("quorum.leave-request"),
  requestId: RequestIdSchema,
  address: AddressSchema,
  incarnation: z.number().int().nonnegative(),
  proof: RequestProofSchema.optional(),
});

/** A peer replaces its own neighbour list (soft state). */
const UpdateNeighboursSchema = z.object({
  type: z.literal("quorum.update-neighbours"),
  requestId: RequestIdSchema,
  address: AddressSchema,
  neighbours: z.array(AddressSchema).max(MAX_WIRE_NEIGHBOURS),
  proof: RequestProofSchema.optional(),
});

/** A quorum read of one record (linearizable: a CASPaxos identity change). */
const GetRequestSchema = z.object({
  type: z.literal("quorum.get-request"),
  requestId: RequestIdSchema,
  address: AddressSchema,
});

/** The answer to a dead report, leave, neighbour update or get: the committed record or an error. */
const OperationResponseSchema = z.object({
  type: z.literal("quorum.operation-response"),
  requestId: RequestIdSchema,
  ok: z.boolean(),
  record: MemberRecordSchema.nullable(),
  error: z.object({ code: z.string(), message: z.string() }).nullable(),
});

/** Every message of the quorum package (seed-to-seed and peer-to-seed). */
export const QuorumMessageSchema = z.discriminatedUnion("type", [
  PrepareMessageSchema,
  PromiseMessageSchema,
  AcceptMessageSchema,
  AcceptedMessageSchema,
  LearnMessageSchema,
  RegisterRequestSchema,
  RegisterResponseSchema,
  ListRequestSchema,
  ListResponseSchema,
  DeadReportSchema,
  LeaveRequestSchema,
  UpdateNeighboursSchema,
  GetRequestSchema,
  OperationResponseSchema,
]);

/** Any quorum message. */
export type QuorumMessage = z.infer<typeof QuorumMessageSchema>;
/** Phase 1a: a proposer asks an acceptor to promise a ballot for one key. */
export type PrepareMessage = z.infer<typeof PrepareMessageSchema>;
/** Phase 1b: an acceptor's promise (or refusal), with the value it accepted and its attestations. */
export type PromiseMessage = z.infer<typeof PromiseMessageSchema>;
/** Phase 2a: a proposer asks an acceptor to accept a value at a ballot, with the base it read. */
export type AcceptMessage = z.infer<typeof AcceptMessageSchema>;
/** Phase 2b: an acceptor's answer to an accept, signed when seeds attest. */
export type AcceptedMessage = z.infer<typeof AcceptedMessageSchema>;
/** A chosen value (with the attestations that certify it) sent to an acceptor that missed it. */
export type LearnMessage = z.infer<typeof LearnMessageSchema>;
/** A peer asks a seed to register it (or to rejoin as a new incarnation). */
export type RegisterRequest = z.infer<typeof RegisterRequestSchema>;
/** A seed's answer to a registration: the record, or why it was refused. */
export type RegisterResponse = z.infer<typeof RegisterResponseSchema>;
/** A client asks a seed for one page of its member directory. */
export type ListRequest = z.infer<typeof ListRequestSchema>;
/** One page of a seed's member directory, with the cursor of the next page. */
export type ListResponse = z.infer<typeof ListResponseSchema>;
/** A peer reports a suspect dead, with the neighbours' signed votes as evidence. */
export type DeadReport = z.infer<typeof DeadReportSchema>;
/** A peer's signed request to leave the network. */
export type LeaveRequest = z.infer<typeof LeaveRequestSchema>;
/** A peer's signed request to replace the neighbour list in its record. */
export type UpdateNeighbours = z.infer<typeof UpdateNeighboursSchema>;
/** A client asks a seed for one member's record. */
export type GetRequest = z.infer<typeof GetRequestSchema>;
/** A seed's answer to a leave, neighbour update, dead report or read. */
export type OperationResponse = z.infer<typeof OperationResponseSchema>;
/** One record of a directory page, with its version. */
export type MemberEntry = z.infer<typeof MemberEntrySchema>;
