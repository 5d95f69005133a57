/**
 * A hand-driven network of three seed registries for scripted fault scenarios: no latency,
 * every message delivered at once (unless a seed is cut off or down), time advanced by the
 * test. Used where a scenario needs exact control (which seed misses which message).
 */
import { createSeededRandom, err, ok, P2pError } from "@p2p/wire";
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
  type SeedRegistryOutput,
} from "../src/index.js";
import { testKey, verifySignature } from "./keys.js";

/** Votes older than this (by the acceptor's clock) no longer prove a removal. */
const VOTE_AGE_LIMIT_MS = 60_000;

/**
 * Test evidence `{ voters, atMs }`: two distinct neighbours of the subject voted, at most
 * {@link VOTE_AGE_LIMIT_MS} before the acceptor's current time (like real signed votes).
 */
const freshVotesValidator: EvidenceValidator = (subject, evidence, context) => {
  const { voters, atMs } = (evidence ?? {}) as { voters?: unknown; atMs?: unknown };
  if (!Array.isArray(voters) || typeof atMs !== "number") {
    return err(new P2pError("EVIDENCE_INVALID", "no voters"));
  }
  if (context.now - atMs > VOTE_AGE_LIMIT_MS) {
    return err(new P2pError("EVIDENCE_INVALID", "votes too old"));
  }
  const distinct = new Set(voters.filter((voter) => subject.neighbours.includes(String(voter))));
  return distinct.size >= 2
    ? ok(undefined)
    : err(new P2pError("EVIDENCE_INVALID", "fewer than 2 neighbour votes"));
};

interface Seat {
  readonly address: string;
  readonly storage: MemoryStorage;
  readonly key: ReturnType<typeof testKey>;
  registry: SeedRegistry;
  isUp: boolean;
  restarts: number;
  readonly events: SeedRegistryEvent[];
}

/** The three seeds and the controls of the scenario. */
export interface Trio {
  readonly seeds: readonly [string, string, string];
  now(): number;
  registry(address: string): SeedRegistry;
  events(address: string): readonly SeedRegistryEvent[];
  /** Messages to and from these seeds are dropped (both ways) until `heal`. */
  cutOff(...addresses: string[]): void;
  heal(): void;
  crash(address: string): void;
  /** Starts the seed again from its storage (everything else is lost). */
  restart(address: string): void;
  command(address: string, command: SeedCommand): void;
  /** A message from a client (a peer) to one seed; its answer is dropped. */
  fromClient(address: string, client: string, message: QuorumMessage): void;
  /** Advances time by `ms` in 10 ms steps, delivering every message and timer on the way. */
  run(ms: number): void;
  /** The result of a completed operation (undefined: not completed). */
  result(address: string, operationId: string): ReturnType<typeof completed>;
}

const completed = (events: readonly SeedRegistryEvent[], operationId: string) => {
  const event = events.find(
    (candidate) =>
      candidate.type === "operation-completed" && candidate.operationId === operationId,
  );
  return event?.type === "operation-completed" ? event.result : undefined;
};

/** Options: registry settings, and whether seeds sign and check commit certificates. */
export interface TrioOptions {
  readonly registry?: Partial<SeedRegistryConfigInput>;
  readonly validateEvidence?: EvidenceValidator;
  /** Seeds sign what they accept and check certificates (keys for all three). */
  readonly signed?: boolean;
}

/** Builds three seeds `10.0.0.1:5000` … `10.0.0.3:5000` at time 0. */
export function createTrio(options: TrioOptions = {}): Trio {
  const seeds = ["10.0.0.1:5000", "10.0.0.2:5000", "10.0.0.3:5000"] as const;
  let now = 0;
  const cut = new Set<string>();
  const queue: { from: string; to: string; message: QuorumMessage }[] = [];
  const seats = new Map<string, Seat>();
  const keys = new Map(seeds.map((address) => [address, testKey()]));
  const seedKeys = new Map([...keys].map(([address, key]) => [address, key.publicKey]));

  const build = (seat: Seat): SeedRegistry =>
    createSeedRegistry(
      { seedId: seat.address, seeds: [...seeds], ...options.registry },
      {
        random: createSeededRandom(seat.restarts * 10 + seeds.indexOf(seat.address as never)),
        validateEvidence: options.validateEvidence ?? freshVotesValidator,
        initialState: seat.storage.loadAll(),
        ...(options.signed === true
          ? { verifySignature, certificates: { sign: seat.key.sign, seedKeys } }
          : {}),
      },
    );

  const seat = (address: string): Seat => {
    const found = seats.get(address);
    if (found === undefined) throw new Error(`no seed ${address}`);
    return found;
  };
  const apply = (from: Seat, outputs: readonly SeedRegistryOutput[]): void => {
    for (const output of outputs) {
      if (output.type === "persist") from.storage.save(output.key, output.state);
      else if (output.type === "emit") from.events.push(output.event);
      else queue.push({ from: from.address, to: output.to, message: output.message });
    }
  };
  const deliver = (): void => {
    for (let item = queue.shift(); item !== undefined; item = queue.shift()) {
      const target = seats.get(item.to);
      const sender = seats.get(item.from);
      if (target === undefined || !target.isUp || sender?.isUp === false) continue;
      if (cut.has(item.to) || cut.has(item.from)) continue;
      apply(
        target,
        target.registry.step({ type: "receive", now, from: item.from, message: item.message }),
      );
    }
  };

  for (const address of seeds) {
    const key = keys.get(address) as ReturnType<typeof testKey>;
    const fresh: Seat = {
      address,
      storage: createMemoryStorage(),
      key,
      registry: undefined as unknown as SeedRegistry,
      isUp: true,
      restarts: 0,
      events: [],
    };
    fresh.registry = build(fresh);
    seats.set(address, fresh);
  }

  return {
    seeds,
    now: () => now,
    registry: (address) => seat(address).registry,
    events: (address) => seat(address).events,
    cutOff(...addresses) {
      for (const address of addresses) cut.add(address);
    },
    heal: () => cut.clear(),
    crash(address) {
      seat(address).isUp = false;
    },
    restart(address) {
      const target = seat(address);
      target.restarts += 1;
      target.registry = build(target);
      target.isUp = true;
      apply(target, target.registry.step({ type: "tick", now }));
      deliver();
    },
    command(address, command) {
      const target = seat(address);
      apply(target, target.registry.step({ type: "command", now, command }));
      deliver();
    },
    fromClient(address, client, message) {
      const target = seat(address);
      apply(target, target.registry.step({ type: "receive", now, from: client, message }));
      deliver();
    },
    run(ms) {
      const until = now + ms;
      while (now < until) {
        now = Math.min(until, now + 10);
        for (const target of seats.values()) {
          const due = target.registry.nextDeadline();
          if (target.isUp && due !== undefined && due <= now) {
            apply(target, target.registry.step({ type: "tick", now }));
          }
        }
        deliver();
      }
    },
    result: (address, operationId) => completed(seat(address).events, operationId),
  };
}

/** The status and incarnation of a record (what these scenarios compare). */
export const statusOf = (record: MemberRecord | undefined | null): string =>
  record === undefined || record === null ? "absent" : `${record.status}@${record.incarnation}`;
