/** Test harness: seed registries hosted on @p2p/sim, clients, and a recorded history. */
import { createSimulation, type LinkInput, type Simulation } from "@p2p/sim";
import { createMachineHost, err, type MachineHost, ok, P2pError } from "@p2p/wire";
import {
  createPersistBeforeSend,
  createSeedRegistry,
  type DeliverableOutput,
  type EvidenceValidator,
  type MemberRecord,
  type PersistBeforeSend,
  type QuorumMessage,
  type SeedCommand,
  type SeedRegistry,
  type SeedRegistryConfigInput,
  type SeedRegistryEvent,
  type SeedRegistryInput,
  type SeedRegistryOutput,
} from "../src/index.js";
import { testKey, verifySignature } from "./keys.js";
import { createSimulatedStorage, type SimulatedStorage } from "./simulated-storage.js";

/** Test evidence: two distinct voters, both neighbours of the subject. */
export const fakeEvidenceValidator: EvidenceValidator = (subject, evidence) => {
  const voters = (evidence as { voters?: unknown } | null)?.voters;
  if (!Array.isArray(voters)) return err(new P2pError("EVIDENCE_INVALID", "no voters"));
  const distinct = new Set(voters.filter((voter) => subject.neighbours.includes(String(voter))));
  if (distinct.size < 2)
    return err(new P2pError("EVIDENCE_INVALID", "fewer than 2 neighbour votes"));
  return ok(undefined);
};

interface SeedHost {
  readonly address: string;
  /** Durable state: only saves that completed survive a crash. */
  readonly storage: SimulatedStorage;
  registry: SeedRegistry;
  /** Drives `registry` (the one machine host of @p2p/wire, on the simulator's clock). */
  driver: MachineHost<SeedRegistryInput>;
  /** The seed node's group commit: sends and events wait for the saves issued before them. */
  groupCommit: PersistBeforeSend;
  events: SeedRegistryEvent[];
  generation: number;
}

export interface ClusterOptions {
  readonly seed: number;
  readonly seedCount: number;
  readonly link?: LinkInput;
  readonly registry?: Partial<SeedRegistryConfigInput>;
  /**
   * A save completes after a random delay in [0, maxSaveDelayMs) of simulated time (saves
   * complete in the order issued); a crash loses the saves not yet complete and every send
   * and event waiting behind them. Omitted or 0: a save is durable when it returns.
   */
  readonly maxSaveDelayMs?: number;
  /** Sees what the seeds do (for fault injection and protocol monitors). */
  readonly observer?: ClusterObserver;
  /** Seeds sign what they accept and check commit certificates (a test key per seed). */
  readonly certificates?: boolean;
  /** Verifies peers' signed requests (turns on the acceptors' proof rules). */
  readonly verifySignature?: (
    publicKeyHex: string,
    bytes: Uint8Array,
    signature: Uint8Array,
  ) => boolean;
}

/** Hooks into the seeds' output paths. */
interface ClusterObserver {
  /** A seed's registry produced `output` (a save is issued at once, the rest may wait). */
  output?(address: string, output: SeedRegistryOutput): void;
  /** A seed sent or emitted `output`: every save issued before it is durable. */
  delivered?(address: string, output: DeliverableOutput): void;
  /** A seed crashed. */
  crashed?(address: string): void;
  /** A seed restarted from its storage (its registry is new). */
  restarted?(address: string, registry: SeedRegistry): void;
}

export interface Cluster {
  readonly sim: Simulation<QuorumMessage>;
  readonly seeds: readonly string[];
  readonly hosts: ReadonlyMap<string, SeedHost>;
  crash(address: string): void;
  restart(address: string): void;
  /** Runs a local command on one seed; resolves through `operation-completed`. */
  command(address: string, command: SeedCommand): void;
  addClient(address: string, onMessage: (from: string, message: QuorumMessage) => void): void;
}

/** The address of seed `index` of a cluster. */
export const seedAddress = (index: number): string => `10.0.0.${index + 1}:5000`;

/** Builds `seedCount` seeds on a fresh simulation. */
export function createCluster(options: ClusterOptions): Cluster {
  const sim = createSimulation<QuorumMessage>({ seed: options.seed, link: options.link ?? {} });
  const seeds = Array.from({ length: options.seedCount }, (_, index) => seedAddress(index));
  const hosts = new Map<string, SeedHost>();
  const keys = new Map(seeds.map((address) => [address, testKey()]));
  const seedKeys = new Map([...keys].map(([address, key]) => [address, key.publicKey]));

  const build = (host: SeedHost): SeedRegistry =>
    createSeedRegistry(
      { seedId: host.address, seeds, ...options.registry },
      {
        random: sim.random(`registry:${host.address}:${host.generation}`),
        validateEvidence: fakeEvidenceValidator,
        initialState: host.storage.loadAll(),
        ...(options.verifySignature === undefined
          ? {}
          : { verifySignature: options.verifySignature }),
        ...(options.certificates === true
          ? {
              certificates: {
                sign: (keys.get(host.address) as ReturnType<typeof testKey>).sign,
                seedKeys,
                verify: verifySignature,
              },
            }
          : {}),
      },
    );

  /** The seed node's output path (`createPersistBeforeSend`) over the simulated storage. */
  const outputPath = (host: SeedHost): PersistBeforeSend =>
    createPersistBeforeSend({
      save: (key, state) => host.storage.save(key, state),
      deliver: (output) => {
        options.observer?.delivered?.(host.address, output);
        if (output.type === "send") sim.send(host.address, output.to, output.message);
        else host.events.push(output.event);
      },
      onFailure: (error) => {
        throw error;
      },
    });

  /** A new registry for `host` (restored from its storage) and a host to drive it. */
  const start = (host: SeedHost): void => {
    host.registry = build(host);
    host.groupCommit = outputPath(host);
    const groupCommit = host.groupCommit;
    host.driver = createMachineHost({
      clock: sim.clockFor(host.address),
      machine: host.registry,
      apply: (output: SeedRegistryOutput) => {
        options.observer?.output?.(host.address, output);
        groupCommit.apply(output);
      },
    });
  };

  for (const address of seeds) {
    const host: SeedHost = {
      address,
      storage: createSimulatedStorage(
        sim.clockFor(address),
        sim.random(`storage:${address}`),
        options.maxSaveDelayMs ?? 0,
      ),
      registry: undefined as unknown as SeedRegistry,
      driver: undefined as unknown as MachineHost<SeedRegistryInput>,
      groupCommit: undefined as unknown as PersistBeforeSend,
      events: [],
      generation: 0,
    };
    start(host);
    hosts.set(address, host);
    sim.addNode(address, (from, message) =>
      host.driver.step({ type: "receive", now: sim.now(), from, message }),
    );
  }

  return {
    sim,
    seeds,
    hosts,
    crash(address) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      sim.crash(address); // drops its timers: saves in flight never complete
      host.driver.stop();
      host.storage.crash();
      options.observer?.crashed?.(address);
    },
    restart(address) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      host.generation += 1;
      start(host); // everything but the completed saves is lost
      sim.restart(address);
      options.observer?.restarted?.(address, host.registry);
      host.driver.arm();
    },
    command(address, command) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      host.driver.step({ type: "command", now: sim.now(), command });
    },
    addClient(address, onMessage) {
      sim.addNode(address, onMessage);
    },
  };
}

/** The result a client saw for one request, normalised for the model. */
export type Outcome =
  | { readonly ok: true; readonly state: string }
  | { readonly ok: false; readonly code: string };

/** The membership state as the model compares it (without the proposer's clock). */
export function normalise(record: MemberRecord | undefined | null): string {
  if (record === undefined || record === null) return "absent";
  return JSON.stringify([
    record.status,
    record.incarnation,
    record.neighbours,
    record.publicKey ?? null,
    record.evidence ?? null,
  ]);
}
