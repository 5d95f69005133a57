export type { AddressFamily, ParseAddressOptions, ParsedAddress } from "./address.js";
export {
  AddressSchema,
  formatAddress,
  isCanonicalAddress,
  isIpv4,
  isIpv6,
  parseAddress,
  parseAddressOrThrow,
} from "./address.js";
export { BoundedMap } from "./bounded-map.js";
export type { Clock, TimerHandle } from "./clock.js";
export { systemClock } from "./clock.js";
export type { Codec, CodecOptions } from "./codec.js";
export { createCodec, createPackr, formatIssues } from "./codec.js";
export { parseConfig } from "./config.js";
export type { Result, WireErrorCode } from "./errors.js";
export { assertNever, err, ok, P2pError } from "./errors.js";
export type { FrameDecoder, FrameDecoderOptions, FrameResult } from "./framing.js";
export {
  createFrameDecoder,
  DEFAULT_MAX_FRAME_BYTES,
  encodeFrame,
  FRAME_HEADER_BYTES,
} from "./framing.js";
export type {
  LinkHandshake,
  LinkHandshakeConfig,
  LinkHandshakeDependencies,
  LinkHandshakeInput,
  LinkHandshakeOutput,
  LinkHandshakeView,
  LinkIdentity,
  LinkRole,
} from "./link-handshake.js";
export {
  createLinkHandshake,
  linkPrologue,
  linkSigningBytes,
  verifyIdentitySignature,
} from "./link-handshake.js";
export type { LogFields, Logger } from "./logger.js";
export { silentLogger } from "./logger.js";
export type {
  Machine,
  MachineHost,
  MachineHostOptions,
  MachineInput,
  MachineOutput,
} from "./machine.js";
export { createMachineHost, createTimeGuard } from "./machine.js";
export type { MemoryNetwork, MemoryNetworkOptions } from "./memory.js";
export { createMemoryNetwork, DEFAULT_HIGH_WATER_MARK_BYTES } from "./memory.js";
export type {
  MessageConnection,
  MessageConnectionEvents,
  MessageConnectionOptions,
} from "./message-connection.js";
export { createMessageConnection } from "./message-connection.js";
export type {
  NoiseCipher,
  NoiseCrypto,
  NoiseKeyPair,
  NoiseSession,
  NoiseXX,
  NoiseXXOptions,
} from "./noise.js";
export {
  createNoiseXX,
  NOISE_MAX_MESSAGE_BYTES,
  NOISE_PROTOCOL_NAME,
  NOISE_TAG_BYTES,
  nobleNoiseCrypto,
  noiseKeyPair,
} from "./noise.js";
export type { RandomSource, SeededRandom } from "./random.js";
export { createSeededRandom, hashString32, randomInt, shuffled } from "./random.js";
export type { SecureConnectionHandlers, SecureConnectionOptions } from "./secure-connection.js";
export {
  openFrame,
  SECURE_CHUNK_OVERHEAD_BYTES,
  SECURE_CHUNK_PLAINTEXT_BYTES,
  sealFrame,
  secureConnection,
} from "./secure-connection.js";
export type {
  AbortSignalLike,
  CloseInfo,
  CloseReason,
  Connection,
  ConnectionEvents,
  ConnectionState,
  DialOptions,
  Listener,
  Transport,
} from "./transport.js";
