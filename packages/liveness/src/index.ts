export type { LivenessConfig, LivenessConfigInput } from "./config.js";
export { LivenessConfigSchema, livenessProfiles, parseLivenessConfig } from "./config.js";
export type { DirectoryRecord, DirectorySnapshotContext } from "./directory.js";
export { directoryInputs, linkedMembers, undirectedNeighbours } from "./directory.js";
export type { LivenessErrorCode } from "./errors.js";
export { createLiveness } from "./liveness.js";
export type {
  Liveness,
  LivenessDependencies,
  LivenessEvent,
  LivenessInput,
  LivenessOutput,
  LivenessView,
  NeighbourView,
} from "./liveness-types.js";
export type {
  DeadEvidence,
  LivenessMessage,
  Ping,
  Pong,
  SignedVote,
  VoteMessage,
  VoteRequest,
} from "./messages.js";
export {
  DeadEvidenceSchema,
  LivenessMessageSchema,
  PingSchema,
  PongSchema,
  RoundIdSchema,
  SignedVoteSchema,
  VoteMessageSchema,
  VoteRequestSchema,
} from "./messages.js";
export type {
  SeedDirectoryRecord,
  SeedEvidenceContext,
  SeedEvidenceOptions,
  SeedProbeOutcome,
} from "./seed-evidence.js";
export {
  createSeedEvidenceValidator,
  isOrphan,
  needsSeedProbe,
  seedMembershipView,
} from "./seed-evidence.js";
export type { AliveVoteMessage, SeedProbeRequest, SeedProberMessage } from "./seed-messages.js";
export {
  AliveVoteMessageSchema,
  SeedProbeRequestSchema,
  SeedProberMessageSchema,
} from "./seed-messages.js";
export { createSeedProber } from "./seed-prober.js";
export type {
  SeedProber,
  SeedProberConfig,
  SeedProberConfigInput,
  SeedProberDependencies,
  SeedProberEvent,
  SeedProberInput,
  SeedProberOutput,
  SeedProberView,
  SeedProbeView,
} from "./seed-prober-types.js";
export { parseSeedProberConfig, SeedProberConfigSchema } from "./seed-prober-types.js";
export type {
  EvidenceVerdict,
  MemberStatus,
  MembershipView,
  RejectReason,
  ValidateOptions,
} from "./validator.js";
export {
  DEFAULT_ROUND_WINDOW_MS,
  MIN_WITNESSES,
  requiredDeadVotes,
  SEED_PROBE_HINT_BELOW,
  validateDeadEvidence,
} from "./validator.js";
export type { Sign, SignatureCache, Signer, UnsignedVote, VerifySignature } from "./vote.js";
export {
  createEd25519Signer,
  createSignatureCache,
  keyPairFromSeed,
  newRoundId,
  publicKeyOf,
  signVote,
  VOTE_SIGNING_VERSION,
  verifyVote,
  voteSigningBytes,
} from "./vote.js";
