import type {
  Clock,
  LinkRole,
  Listener,
  Logger,
  NoiseCrypto,
  P2pError,
  Result,
  Transport,
} from "@p2p/wire";

/** Encodes and decodes one message type (a `createCodec` from @p2p/wire fits). */
export interface MessageCodec<T> {
  encode(message: T): Uint8Array;
  decode(body: Uint8Array): Result<T, P2pError>;
}

/** Why a node refused a link, sent (sealed) before it closes the connection. */
export interface RefusedMessage {
  readonly type: "node.refused";
  readonly code: string;
  readonly reason: string;
}

/** The listener admitted the link: its first message, which the dialer waits for before it sends. */
export interface AdmittedMessage {
  readonly type: "node.admitted";
}

/** The messages the link layer itself sends and consumes (never passed up). */
export type LinkControlMessage = RefusedMessage | AdmittedMessage;

/** A seed the network trusts: its address and its pinned Ed25519 identity key (hex). */
export interface PinnedSeed {
  readonly address: string;
  readonly key: string;
}

/** This node's identity key: its public key (hex) and a signing function (the secret stays inside). */
export interface LinkSigner {
  readonly publicKey: string;
  sign(bytes: Uint8Array): Uint8Array;
}

/** Options for `createLinks`. */
export interface LinksOptions<T extends { type: string }> {
  /** This node's listening address `ip:port` (a client without a listener: any canonical address, e.g. `0.0.0.0:1`; never dialled back). */
  readonly self: string;
  readonly role: LinkRole;
  readonly transport: Transport;
  readonly clock: Clock;
  readonly codec: MessageCodec<T | LinkControlMessage>;
  readonly logger: Logger;
  /** This node's identity key, proven to the other end of every link. */
  readonly identity: LinkSigner;
  /** The seeds and their pinned keys: only these may speak as seeds, and they must prove these keys. */
  readonly seeds?: readonly PinnedSeed[];
  /** Verifies an Ed25519 signature (default: `@noble/curves`). */
  readonly verify?: (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => boolean;
  /** Cryptographically secure random bytes (default: the platform's `crypto.getRandomValues`). */
  readonly randomBytes?: (length: number) => Uint8Array;
  /**
   * X25519 and ChaCha20-Poly1305 of the handshake and sealed frames (default: `@noble`, any
   * runtime; a Node host passes `nodeNoiseCrypto` of `@p2p/wire/node-crypto`, many times faster).
   */
  readonly crypto?: NoiseCrypto;
  /** Frames queued per address while its connection is being dialled (older ones are dropped past this). */
  readonly maxQueuedPerAddress?: number;
  /** How long a dial may take. */
  readonly dialTimeoutMs?: number;
  /** How long the handshake of a connection may take. */
  readonly handshakeTimeoutMs?: number;
}

/** Who is on the other end of a link, as its handshake proved. */
export interface LinkPeer {
  /** The proven listening address (a client: `client/<key prefix>/<remote>`, never an address). */
  readonly address: string;
  readonly role: LinkRole;
  /** Its Ed25519 identity key (hex). */
  readonly identityKey: string;
}

/** Link handshakes of {@link Links} since it was created (read-only counters). */
export interface LinkStats {
  /** Handshakes that proved the other end's identity (inbound, outbound and address proofs). */
  readonly handshakesCompleted: number;
  /** Handshakes that failed: a timeout, a bad message, a key that does not check out. */
  readonly handshakesFailed: number;
  /** Links refused after a handshake, by code (`ROLE_REFUSED`, `ADDRESS_NOT_PROVEN`, …). */
  readonly refused: Readonly<Record<string, number>>;
  /** Addresses with at least one open, proven connection now. */
  readonly connected: number;
}

/** Events of {@link Links}. */
export interface LinksEvents<T> {
  message: (from: LinkPeer, message: T) => void;
  /** The first connection to `address` came up, or its last one went down. */
  "link-up": (peer: LinkPeer) => void;
  "link-down": (address: string) => void;
  /**
   * A dial to `address` was answered with a refusal (nothing listens there, or its host is
   * unreachable): not a timeout, which a slow or cut-off node also causes.
   */
  "dial-refused": (address: string) => void;
}

/**
 * Address-keyed, authenticated message links over a {@link Transport}. Every connection first
 * runs the link handshake (`secureConnection` of @p2p/wire: Noise XX with each side's Ed25519
 * identity); every frame after it is sealed. A link speaks for an address only once that is
 * proven: a dialled address proves itself by answering; an inbound connection that claims an
 * address is dialled back, and the listener there must prove the same key (`ADDRESS_NOT_PROVEN`
 * otherwise). Seeds must prove their pinned keys; no one else may claim the seed role. A link
 * that fails any of this is refused with a logged reason, and nothing it sent is delivered.
 * Sends are best effort (like a datagram): the protocols above retry what matters.
 */
export interface Links<T extends { type: string }> {
  listen(): Promise<Listener>;
  /** Sends to `address`, dialling it first if needed. Never throws for network failures. */
  send(to: string, message: T): void;
  /** Addresses with at least one open, proven connection. */
  connected(): string[];
  isConnected(address: string): boolean;
  /** Dials `address` if not connected; resolves true once proven, false if the dial failed. */
  connect(address: string): Promise<boolean>;
  /** Closes every connection to `address` (graceful). */
  disconnect(address: string): void;
  /** The identity key proven for `address` (by a dial), if any. */
  provenKey(address: string): string | undefined;
  on<E extends keyof LinksEvents<T>>(event: E, listener: LinksEvents<T>[E]): () => void;
  /** Closes the listener and every connection. */
  close(): Promise<void>;
  /** A snapshot of the handshake counters. */
  stats(): LinkStats;
}
