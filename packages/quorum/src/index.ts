export type { Acceptor, AcceptorOutput, PersistOutput, TransitionValidator } from "./acceptor.js";
export { createAcceptor } from "./acceptor.js";
export type { Ballot } from "./ballot.js";
export {
  compareBallots,
  isBallotInRange,
  keyOwner,
  MAX_BALLOT_COUNTER,
  maxBallot,
  zeroBallot,
} from "./ballot.js";
export type { Certifier, CertifierOptions } from "./certificate.js";
export {
  acceptanceSigningBytes,
  canonicalJson,
  createCertifier,
  isSameJson,
} from "./certificate.js";
export { createDirectoryClient } from "./directory-client.js";
export type {
  DirectoryClient,
  DirectoryClientConfig,
  DirectoryClientConfigInput,
  DirectoryClientDependencies,
  DirectoryClientEvent,
  DirectoryClientInput,
  DirectoryClientOutput,
  DirectoryClientView,
  DirectoryRequest,
  DirectoryResponse,
  MembersReason,
} from "./directory-client-types.js";
export { DirectoryClientConfigSchema } from "./directory-client-types.js";
export type { QuorumErrorCode } from "./errors.js";
export type {
  ListPage,
  ListPageLimits,
  ListWalk,
  ListWalkLimits,
  ListWalkStep,
} from "./list-pages.js";
export {
  DEFAULT_LIST_PAGE_LIMITS,
  DEFAULT_LIST_WALK_LIMITS,
  estimateEncodedBytes,
  LIST_WALK_START,
  listPage,
  nextListPage,
} from "./list-pages.js";
export type {
  EvidenceContext,
  EvidenceValidator,
  MembershipAdmission,
  MembershipLimits,
  ProbeResult,
  RegisterOptions,
} from "./membership.js";
export {
  compactChange,
  createMembershipValidator,
  isCompacted,
  leaveChange,
  markDeadChange,
  normaliseNeighbours,
  readChange,
  registerChange,
  updateNeighboursChange,
} from "./membership.js";
export type {
  AcceptedMessage,
  AcceptMessage,
  Attestation,
  DeadReport,
  GetRequest,
  LearnMessage,
  LeaveRequest,
  ListRequest,
  ListResponse,
  MemberEntry,
  MemberRecord,
  MemberStatus,
  OperationResponse,
  PrepareMessage,
  PromiseMessage,
  QuorumMessage,
  RegisterRequest,
  RegisterResponse,
  RequestProof,
  UpdateNeighbours,
} from "./messages.js";
export {
  AttestationSchema,
  BallotSchema,
  MAX_LIST_ADDRESSES,
  MemberEntrySchema,
  MemberRecordSchema,
  QuorumMessageSchema,
  RequestProofSchema,
} from "./messages.js";
export {
  createPersistBeforeSend,
  type DeliverableOutput,
  type PersistBeforeSend,
  type PersistBeforeSendOptions,
  type PersistBeforeSendView,
} from "./persist-before-send.js";
export type {
  Change,
  Proposer,
  ProposerOutput,
  ProposerSettings,
  ProposerView,
} from "./proposer.js";
export { createProposer } from "./proposer.js";
export type { UnsignedRequest, VerifySignature } from "./request-proof.js";
export { isRequestSigned, requestSigningBytes, signRequest } from "./request-proof.js";
export type {
  SeedCommand,
  SeedRegistry,
  SeedRegistryConfig,
  SeedRegistryConfigInput,
  SeedRegistryDeps,
  SeedRegistryEvent,
  SeedRegistryInput,
  SeedRegistryOutput,
  SeedRegistryView,
} from "./seed-registry.js";
export {
  createSeedRegistry,
  PROPOSER_RESERVATION_KEY,
  SeedRegistryConfigSchema,
} from "./seed-registry.js";
export type { AcceptorState, MemoryStorage, Storage } from "./storage.js";
export { createMemoryStorage } from "./storage.js";
