import type { SeedProberEvent, SeedProberView } from "@p2p/liveness";
import type {
  MemberEntry,
  SeedRegistry,
  SeedRegistryConfigInput,
  SeedRegistryEvent,
  Storage,
} from "@p2p/quorum";
import type { Clock, Listener, Logger, NoiseCrypto, RandomSource, Transport } from "@p2p/wire";
import type { LinkSigner, LinkStats, PinnedSeed } from "./link-types.js";
import type { NodeEvents } from "./node-events.js";
import type { QuorumStats } from "./seed-stats.js";

/** Everything a seed needs from its host. */
export interface SeedNodeOptions {
  /** This seed's address `ip:port`: its identity and where it listens. */
  readonly address: string;
  /**
   * Every seed of the network (this one included) with its pinned identity key, from
   * config.yml: never assembled at start-up. Seed-role messages count only over links that
   * prove these keys.
   */
  readonly seeds: readonly PinnedSeed[];
  /** This seed's identity key (its public key must be its pinned key in `seeds`). */
  readonly signer: LinkSigner;
  /**
   * Verifies an Ed25519 signature: link identities, members' signed requests, the other seeds'
   * attestations and the neighbours' votes (default: `@noble/curves`; the apps use Node's crypto).
   */
  readonly verify?: (publicKeyHex: string, bytes: Uint8Array, signature: Uint8Array) => boolean;
  /** Cryptographically secure random bytes for the link handshakes (default: `crypto.getRandomValues`). */
  readonly randomBytes?: (length: number) => Uint8Array;
  /** The link cipher suite's primitives (default `@noble`; a Node host: `nodeNoiseCrypto`). */
  readonly crypto?: NoiseCrypto;
  /**
   * Closed membership: the identity keys (hex) allowed to register. Every seed must be given
   * the same list; each acceptor refuses a registration under any other key. Omitted: open.
   */
  readonly allowedKeys?: readonly string[];
  readonly transport: Transport;
  readonly clock: Clock;
  /** Durable acceptor state (persist before send). */
  readonly storage: Storage;
  readonly random: RandomSource;
  readonly logger: Logger;
  /** Wall-clock milliseconds, for vote freshness (defaults to `clock.now`). */
  readonly wallClock?: () => number;
  /** Registry tuning (timeouts, tombstone retention, …). */
  readonly registry?: Partial<Omit<SeedRegistryConfigInput, "seedId" | "seeds">>;
  /** The round window: votes older than this are stale (default 60 s). */
  readonly maxVoteAgeMs?: number;
  /** When a suspect has too few neighbours to vote, the seeds probe it this many times… */
  readonly seedProbeAttempts?: number;
  /** …this far apart. */
  readonly seedProbeIntervalMs?: number;
  /**
   * Anti-entropy: this often a seed compares versions with another seed and runs a quorum
   * read for every record where it lags (a lost learn message, a restart). Default 5 s.
   */
  readonly syncIntervalMs?: number;
}

/** Events a seed reports to its host (for logs and the screen). */
export type SeedNodeEvent = SeedRegistryEvent | SeedProberEvent;

/** Counters of a running seed, since it started (read-only; for metrics). */
export interface SeedNodeStats {
  readonly links: LinkStats;
  /** Operations of the registry: commit latency, no-quorum results, refusals, changes. */
  readonly quorum: QuorumStats;
  /** The seeds' own probes of suspects (pings sent, probes started, removals proposed, …). */
  readonly prober: SeedProberView["counters"];
}

/** A running seed: a quorum acceptor and proposer of the member directory, over a transport. */
export interface SeedNode {
  readonly address: string;
  /** Listens and starts serving. Resolves once the listener is bound. */
  start(): Promise<Listener>;
  /** Stops serving and closes every connection. */
  stop(): Promise<void>;
  /** This seed's local view of the directory (tombstones included), sorted by address. */
  members(): readonly MemberEntry[];
  /** The underlying registry (read-only use: inspect, acceptor state). */
  readonly registry: SeedRegistry;
  /** A snapshot of the seed's counters. */
  stats(): SeedNodeStats;
  on: NodeEvents<SeedNodeEvent>["on"];
}
