/** Test harness: seed registries hosted on @p2p/sim, clients, and a recorded history. */
import { createSimulation, type LinkInput, type Simulation } from "@p2p/sim";
import { err, ok, P2pError, type TimerHandle } from "@p2p/wire";
import {
  createMemoryStorage,
  createSeedRegistry,
  type EvidenceValidator,
  type MemberRecord,
  type MemoryStorage,
  type QuorumMessage,
  type SeedCommand,
  type SeedRegistry,
  type SeedRegistryConfigInput,
  type SeedRegistryEvent,
} from "../src/index.js";

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
  readonly storage: MemoryStorage;
  registry: SeedRegistry;
  events: SeedRegistryEvent[];
  timer: TimerHandle | undefined;
  generation: number;
}

export interface ClusterOptions {
  readonly seed: number;
  readonly seedCount: number;
  readonly link?: LinkInput;
  readonly registry?: Partial<SeedRegistryConfigInput>;
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

const seedAddress = (index: number): string => `10.0.0.${index + 1}:5000`;

/** Builds `seedCount` seeds on a fresh simulation. */
export function createCluster(options: ClusterOptions): Cluster {
  const sim = createSimulation<QuorumMessage>({ seed: options.seed, link: options.link ?? {} });
  const seeds = Array.from({ length: options.seedCount }, (_, index) => seedAddress(index));
  const hosts = new Map<string, SeedHost>();

  const build = (host: SeedHost): SeedRegistry =>
    createSeedRegistry(
      { seedId: host.address, seeds, ...options.registry },
      {
        random: sim.random(`registry:${host.address}:${host.generation}`),
        validateEvidence: fakeEvidenceValidator,
        initialState: host.storage.loadAll(),
      },
    );

  const schedule = (host: SeedHost): void => {
    host.timer?.cancel();
    host.timer = undefined;
    const deadline = host.registry.nextDeadline();
    if (deadline === undefined) return;
    host.timer = sim.clockFor(host.address).setTimer(Math.max(0, deadline - sim.now()), () => {
      host.timer = undefined;
      run(host, { type: "tick", now: sim.now() });
    });
  };

  const run = (host: SeedHost, input: Parameters<SeedRegistry["step"]>[0]): void => {
    for (const output of host.registry.step(input)) {
      switch (output.type) {
        case "persist":
          host.storage.save(output.key, output.state); // synchronous: durable before the sends below
          break;
        case "send":
          sim.send(host.address, output.to, output.message);
          break;
        case "emit":
          host.events.push(output.event);
          break;
      }
    }
    schedule(host);
  };

  for (const address of seeds) {
    const host: SeedHost = {
      address,
      storage: createMemoryStorage(),
      registry: undefined as unknown as SeedRegistry,
      events: [],
      timer: undefined,
      generation: 0,
    };
    host.registry = build(host);
    hosts.set(address, host);
    sim.addNode(address, (from, message) =>
      run(host, { type: "receive", now: sim.now(), from, message }),
    );
  }

  return {
    sim,
    seeds,
    hosts,
    crash(address) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      sim.crash(address);
      host.timer?.cancel();
      host.timer = undefined;
    },
    restart(address) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      host.generation += 1;
      host.registry = build(host); // everything but the storage is lost
      sim.restart(address);
      schedule(host);
    },
    command(address, command) {
      const host = hosts.get(address);
      if (host === undefined) throw new Error(`no seed ${address}`);
      run(host, { type: "command", now: sim.now(), command });
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
