// Commit latency, sequential: registering a new member with 3 real seed processes (LMDB, fully
// synced) against an etcd put of a new key via the leader (3 members, WAL fsync), in alternating
// rounds. Each registrant is a real peer link in this process (apps/seed/bench/registrant.ts,
// run from the sources with --conditions=@p2p/source): its own Ed25519 identity, listening on
// its own port; its register-request is "first contact" (TCP + handshake + the seed's dial-back
// + commit), then it updates its neighbour list over the link it holds ("warm link": one commit).
// Every other registrant asks its key's owner seed (keyOwner: the new key's write at ballot 0,
// one round trip), the rest another seed (prepare + accept).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  collectingLogger,
  createRegistrant,
  type Registrant,
  registerRequest,
  updateNeighboursRequest,
} from "../../apps/seed/bench/registrant.js";
import { keyOwner } from "../../packages/quorum/src/ballot.js";
import type { EtcdCluster } from "./etcd.js";
import { P2pNetwork } from "./p2p.js";
import { cpuNanoseconds, freePorts } from "./processes.js";

/** CPU time spent on a kind of operation, summed over the measured rounds. */
export interface CpuTally {
  /** Operations measured. */
  operations: number;
  /** CPU time (ms) of the servers: the 3 seeds, or the 3 etcd members (every thread). */
  serversMs: number;
  /** CPU time (ms) of this process, the client (registrant links, or etcd's HTTP client). */
  clientMs: number;
}

/** Measures the CPU time `servers` (PIDs) and this process spend while `work` runs. */
async function tallyCpu<T>(
  tally: CpuTally | undefined,
  servers: readonly number[],
  operations: number,
  work: () => Promise<T>,
): Promise<T> {
  if (tally === undefined) return work();
  const serversBefore = cpuNanoseconds(servers);
  const client = process.cpuUsage();
  const result = await work();
  const { user, system } = process.cpuUsage(client);
  tally.serversMs += (cpuNanoseconds(servers) - serversBefore) / 1e6;
  tally.clientMs += (user + system) / 1000;
  tally.operations += operations;
  return result;
}

/** The latencies (ms, in order of measurement) and the failures of the commit rounds. */
export interface CommitSamples {
  /** Registrations at the key's owner seed. */
  readonly register: number[];
  /** Registrations at a seed that does not own the key. */
  readonly registerElsewhere: number[];
  readonly update: number[];
  readonly put: number[];
  readonly errors: string[];
  /** CPU per kind: every registration, every warm update, every etcd put. */
  readonly cpu: { readonly register: CpuTally; readonly update: CpuTally; readonly put: CpuTally };
}

const emptyTally = (): CpuTally => ({ operations: 0, serversMs: 0, clientMs: 0 });

/** Commit samples before any round: no latencies, no failures, no CPU counted. */
export const emptyCommitSamples = (): CommitSamples => ({
  register: [],
  registerElsewhere: [],
  update: [],
  put: [],
  errors: [],
  cpu: { register: emptyTally(), update: emptyTally(), put: emptyTally() },
});

type Outcome = { ok: boolean; ms: number; error?: string };

/** Registers `count` new registrants (round-robin over the seeds), then updates each once. */
async function p2pRound(
  seeds: { address: string; key: string }[],
  seedPids: readonly number[],
  count: number,
  into: CommitSamples | undefined,
  errors: string[],
): Promise<void> {
  const warnings: string[] = [];
  const registrants: Registrant[] = [];
  for (const port of await freePorts(count)) {
    registrants.push(
      await createRegistrant(`127.0.0.1:${port}`, seeds, collectingLogger(warnings)),
    );
  }
  const keep = (outcome: Outcome, samples: number[] | undefined, what: string) => {
    if (outcome.ok) samples?.push(outcome.ms);
    else errors.push(`p2p ${what}: ${outcome.error ?? "not ok"}`);
  };
  try {
    const addresses = seeds.map((seed) => seed.address);
    await tallyCpu(into?.cpu.register, seedPids, registrants.length, async () => {
      for (const [index, registrant] of registrants.entries()) {
        const owner = keyOwner(registrant.address, addresses);
        const others = addresses.filter((address) => address !== owner);
        const atOwner = index % 2 === 0 || owner === undefined || others.length === 0;
        registrant.seed = atOwner ? (owner as string) : (others[index % others.length] as string);
        const outcome = await registrant.request(registrant.seed, (requestId) =>
          registerRequest(registrant, requestId),
        );
        keep(outcome, atOwner ? into?.register : into?.registerElsewhere, "register");
      }
    });
    await tallyCpu(into?.cpu.update, seedPids, registrants.length, async () => {
      for (const [index, registrant] of registrants.entries()) {
        const neighbours = [(registrants[(index + 1) % count] as Registrant).address];
        const outcome = await registrant.request(registrant.seed, (requestId) =>
          updateNeighboursRequest(registrant, neighbours, requestId),
        );
        keep(outcome, into?.update, "update-neighbours");
      }
    });
  } finally {
    for (const registrant of registrants) await registrant.links.close();
  }
  if (errors.length > 0 && warnings.length > 0) errors.push(`p2p logged: ${warnings[0]}`);
}

/** `count` sequential puts of new keys via the etcd leader. */
async function etcdRound(
  etcd: EtcdCluster,
  round: number,
  count: number,
  into: CommitSamples | undefined,
  errors: string[],
): Promise<void> {
  const pids = etcd.members.map((member) => member.pid);
  await tallyCpu(into?.cpu.put, pids, count, async () => {
    for (let index = 0; index < count; index++) {
      try {
        const ms = await etcd.put(
          `members/127.0.0.1:${round}-${index}`,
          `{"status":"alive","incarnation":0,"key":"${"ab".repeat(32)}"}`,
        );
        into?.put.push(ms);
      } catch (error) {
        errors.push(error instanceof Error ? error.message : String(error));
      }
    }
  });
}

/**
 * Starts 3 seeds in `directory` and runs `rounds` measured rounds of `perRound` registrations
 * (and puts, with `etcd`), alternating which system goes first, after one discarded round.
 */
export async function measureCommits(options: {
  readonly directory: string;
  readonly rounds: number;
  readonly perRound: number;
  readonly etcd: EtcdCluster | undefined;
}): Promise<CommitSamples> {
  const samples = emptyCommitSamples();
  const seedDirectory = join(options.directory, "commit-seeds");
  mkdirSync(seedDirectory, { recursive: true });
  const network = new P2pNetwork(seedDirectory, 1);
  try {
    await network.startSeeds();
    const seeds = network.pinnedSeeds();
    if (seeds.length !== 3) throw new Error(`config.txt lists ${seeds.length} seeds, not 3`);
    const seedPids = network.seeds.map((seed) => seed.pid);
    // One discarded round each: links between the seeds, JIT, etcd's first connection.
    await p2pRound(seeds, seedPids, Math.min(10, options.perRound), undefined, samples.errors);
    if (options.etcd !== undefined) {
      await etcdRound(options.etcd, -1, 10, undefined, samples.errors);
    }
    for (let round = 0; round < options.rounds; round++) {
      const p2p = () => p2pRound(seeds, seedPids, options.perRound, samples, samples.errors);
      const etcd = options.etcd;
      const anchor = () =>
        etcd === undefined
          ? Promise.resolve()
          : etcdRound(etcd, round, options.perRound, samples, samples.errors);
      if (round % 2 === 0) {
        await p2p();
        await anchor();
      } else {
        await anchor();
        await p2p();
      }
    }
  } finally {
    network.stop();
  }
  return samples;
}
