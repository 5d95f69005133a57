import type { createGossip, GossipConfigInput } from "@p2p/gossip";
import type { createLiveness, Signer } from "@p2p/liveness";
import type { createDirectoryClient, MemberRecord } from "@p2p/quorum";
import type { createOverlay, OverlayConfigInput } from "@p2p/topology";
import type { Clock, Listener, Logger, NoiseCrypto, RandomSource, Transport } from "@p2p/wire";
import type { LinkStats, PinnedSeed } from "./link-types.js";
import type { NodeEvents } from "./node-events.js";
import type { TimingProfile } from "./timing.js";

/** Everything a peer needs from its host. */
export interface PeerNodeOptions {
  /** This peer's address `ip:port`: its identity and where it listens. */
  readonly address: string;
  /**
   * The seeds and their pinned identity keys (from config.txt or config.yml): only links that
   * prove these keys speak for the seeds.
   */
  readonly seeds: readonly PinnedSeed[];
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Gossip and liveness timing (`timingProfiles.default` or `.fast`, with overrides). */
  readonly timing: TimingProfile;
  /** Wall-clock milliseconds for message timestamps and votes (defaults to `clock.now`). */
  readonly wallClock?: () => number;
  /** Neighbours a joining peer picks by preferential attachment (default 2). */
  readonly neighbourCount?: number;
  /**
   * More overlay settings (`@p2p/topology`'s OverlayConfig), e.g. `{ exponent: 2.6 }` for the
   * degree exponent the overlay aims at (default 2.8).
   */
  readonly overlay?: Omit<OverlayConfigInput, "self">;
  /**
   * How gossip forwards (`@p2p/gossip`'s `forwarding` config): `{ type: "flood" }` (the
   * default), `{ type: "random-fanout", fanout }`, or `{ type: "plumtree" }` (an eager tree
   * with lazy repair, about one full copy per peer per message; its timers and bounds are
   * optional fields). Every peer of a network should use the same mode.
   */
  readonly gossipForwarding?: GossipConfigInput["forwarding"];
  /**
   * This peer's identity: its Ed25519 public key and a function that signs with the secret key
   * (`createEd25519Signer` of `@p2p/liveness`). The key itself is never passed in. A signer is
   * made from `random` when absent (a simulated peer); a real peer keeps its key across restarts.
   */
  readonly signer?: Signer;
  /** Verifies an Ed25519 signature (default: `@noble/curves`; the apps use Node's crypto). */
  readonly verify?: (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => boolean;
  /**
   * Cryptographically secure random bytes for the link handshakes (default: the platform's
   * `crypto.getRandomValues`; a simulation passes seeded bytes to stay deterministic).
   */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** The link cipher suite's primitives (default `@noble`; a Node host: `nodeNoiseCrypto`). */
  readonly crypto?: NoiseCrypto;
  /** How long one request to a seed may take (default 5 s, above the seeds' quorum timeout). */
  readonly seedRequestTimeoutMs?: number;
  /**
   * When registration is refused (no majority of seeds), try again after this long instead of
   * failing `start()`; each refusal is reported as a `registration-refused` event.
   */
  readonly registrationRetryMs?: number;
}

/** What a peer reports to its host (the app prints these and writes outputfile.txt). */
export type PeerNodeEvent =
  | { readonly type: "registration-refused"; readonly message: string; readonly retryInMs: number }
  | {
      readonly type: "registered";
      readonly record: MemberRecord;
      readonly seeds: readonly string[];
    }
  | {
      readonly type: "peer-list";
      readonly members: readonly string[];
      readonly seeds: readonly string[];
    }
  | { readonly type: "neighbours-changed"; readonly neighbours: readonly string[] }
  | {
      readonly type: "message-delivered";
      readonly id: string;
      readonly origin: string;
      /** The neighbour (peer address) the first copy came from. */
      readonly from: string;
      readonly text: string;
      readonly hops: number;
    }
  | { readonly type: "message-published"; readonly id: string; readonly text: string }
  | { readonly type: "peer-suspected"; readonly suspect: string }
  | { readonly type: "suspicion-cleared"; readonly suspect: string; readonly by: string }
  /** `line` is `Dead Node:<ip>:<port>:<timestamp>:<reporter ip>`. */
  | { readonly type: "dead-reported"; readonly suspect: string; readonly line: string }
  | { readonly type: "member-removed"; readonly address: string }
  | { readonly type: "rejoined"; readonly incarnation: number }
  | { readonly type: "left" };

/** A running peer. */
export interface PeerNode {
  readonly address: string;
  /** The Ed25519 public key (hex) registered with the seeds. */
  readonly publicKey: string;
  /**
   * Listens, registers with a majority of seeds, fetches their peer lists, picks and connects
   * neighbours, then starts gossip and liveness. Rejects with `REGISTRATION_FAILED` (a clear
   * message naming what answered) when no majority of seeds commits the registration, and with
   * `STOPPED` when the peer is stopped first.
   */
  start(): Promise<Listener>;
  /** Publishes an application payload to the whole overlay. */
  publish(payload: Uint8Array): void;
  /** Current neighbours, sorted. */
  neighbours(): readonly string[];
  /**
   * Graceful leave: deregistered by the seeds' quorum, then stopped. Every call shares one
   * leave; it also settles when the peer is stopped first.
   */
  leave(): Promise<void>;
  /** Stops at once (no deregistration). Idempotent. */
  stop(): Promise<void>;
  inspect(): PeerNodeView;
  on: NodeEvents<PeerNodeEvent>["on"];
}

/** A read-only view of a peer, for tests and metrics. */
export interface PeerNodeView {
  readonly address: string;
  readonly incarnation: number;
  readonly neighbours: readonly string[];
  readonly gossip: ReturnType<ReturnType<typeof createGossip>["inspect"]>;
  readonly liveness: ReturnType<ReturnType<typeof createLiveness>["inspect"]>;
  readonly directory: ReturnType<ReturnType<typeof createDirectoryClient>["inspect"]>;
  readonly overlay: ReturnType<ReturnType<typeof createOverlay>["inspect"]>;
  /** Link handshake counters (gossip and liveness counters are in their views). */
  readonly links: LinkStats;
}
