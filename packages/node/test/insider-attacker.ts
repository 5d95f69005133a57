// One attacker controlling many registered identities, each on its own host, using every
// message a member may send: it registers them, asks honest peers to be their neighbours,
// answers pings (so they stay members), votes dead whenever asked, reports every peer its
// identities neighbour as dead with all their votes, votes alive about them to the seeds (to
// block real removals), and forges and floods gossip.
import { gossipSigningBytes, messageId } from "@p2p/gossip";
import { newRoundId, type SignedVote, signVote } from "@p2p/liveness";
import { type MemberRecord, signRequest } from "@p2p/quorum";
import type { Simulation } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { nodeNoiseCrypto, nodeVerifyEd25519 } from "@p2p/wire/node-crypto";
import type { Links } from "../src/link-types.js";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { simulatedIdentity } from "../src/simulated-identity.js";

const encoder = new TextEncoder();
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");

/** One identity of the attacker. */
interface Identity {
  readonly address: string;
  readonly links: Links<WireMessage>;
  readonly sign: (bytes: Uint8Array) => Uint8Array;
  readonly publicKey: string;
  /** Honest peers it asked to be its neighbour and that have not refused. */
  readonly targets: Set<string>;
}

/** What the attacker sent, by kind. */
export interface AttackCounts {
  registrations: number;
  neighbourRequests: number;
  deadReports: number;
  deadVotes: number;
  aliveVotes: number;
  forgedGossip: number;
  floodGossip: number;
  refusedNeighbourRequests: number;
}

/** Options of {@link createAttacker}. */
export interface AttackerOptions {
  readonly sim: Simulation;
  readonly seeds: readonly { readonly address: string; readonly key: string }[];
  readonly addresses: readonly string[];
  /** Honest peers the identities try to neighbour. */
  readonly honest: () => readonly string[];
  readonly wallClock: () => number;
  /** Neighbour requests per identity. */
  readonly targetsPerIdentity?: number;
  /** One round of reports, alive votes and gossip every this many ms. */
  readonly periodMs?: number;
  /** A message of its own from each identity every this many rounds (default 1). */
  readonly floodEvery?: number;
}

/** Creates the attacker's identities (listening, not yet registered). */
export async function createAttacker(options: AttackerOptions) {
  const { sim, seeds, wallClock } = options;
  const random = sim.random("attacker");
  const periodMs = options.periodMs ?? 2_000;
  const floodEvery = options.floodEvery ?? 1;
  let rounds = 0;
  const counts: AttackCounts = {
    registrations: 0,
    neighbourRequests: 0,
    deadReports: 0,
    deadVotes: 0,
    aliveVotes: 0,
    forgedGossip: 0,
    floodGossip: 0,
    refusedNeighbourRequests: 0,
  };
  /** The seeds' directory as the attacker last read it (every page of it). */
  let records = new Map<string, MemberRecord>();
  /** The pages of the directory read so far. */
  let reading = new Map<string, MemberRecord>();
  let sequence = 0;
  const round = () => newRoundId(random);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random.next() * items.length)] as T;

  const identities: Identity[] = [];
  for (const address of options.addresses) {
    const made = simulatedIdentity(sim.random(`attacker identity ${address}`));
    const links = createLinks<WireMessage>({
      self: address,
      role: "peer",
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      codec: createWireCodec(),
      logger: silentLogger,
      identity: made.signer,
      randomBytes: made.randomBytes,
      seeds,
      crypto: nodeNoiseCrypto,
      verify: nodeVerifyEd25519,
    });
    await sim.settle(links.listen());
    const identity: Identity = {
      address,
      links,
      sign: made.signer.sign,
      publicKey: made.signer.publicKey,
      targets: new Set(),
    };
    links.on("message", (from, message) => answer(identity, from.address, message));
    identities.push(identity);
  }

  const vote = (
    identity: Identity,
    suspect: string,
    verdict: "dead" | "alive",
    voteRound: string,
  ): SignedVote =>
    signVote(
      {
        voter: identity.address,
        suspect,
        incarnation: records.get(suspect)?.incarnation ?? 0,
        round: voteRound,
        verdict,
        issuedAtMs: Math.round(wallClock()),
      },
      identity.sign,
    );

  /** Stays a member (answers pings), lies in every vote, learns the directory. */
  function answer(identity: Identity, from: string, message: WireMessage): void {
    switch (message.type) {
      case "liveness.ping":
        identity.links.send(from, {
          type: "liveness.pong",
          sequence: message.sequence,
          sentAtMs: message.sentAtMs,
          incarnation: 0,
          neighbours: [...identity.targets].sort(),
        });
        // A seed pings a neighbour of a suspect when it probes: the moment an alive vote
        // would land in the middle of the seeds' probe.
        if (seeds.some((seed) => seed.address === from)) voteAliveAboutAll(identity);
        return;
      case "liveness.vote-request":
        counts.deadVotes++;
        identity.links.send(from, {
          type: "liveness.vote",
          vote: vote(identity, message.suspect, "dead", message.round),
        });
        return;
      case "node.neighbour-refused":
        if (identity.targets.delete(from)) counts.refusedNeighbourRequests++;
        return;
      case "quorum.list-response":
        for (const entry of message.members) reading.set(entry.record.address, entry.record);
        if (message.next === null) {
          records = reading;
          reading = new Map();
        } else {
          identity.links.send(from, {
            type: "quorum.list-request",
            requestId: `attack-list-${++sequence}`,
            after: message.next,
          });
        }
        return;
      default:
        return;
    }
  }

  /** Each identity registers listing its targets, then asks each of them to be its neighbour. */
  function register(): void {
    const honest = options.honest();
    for (const identity of identities) {
      while (identity.targets.size < Math.min(honest.length, options.targetsPerIdentity ?? 8)) {
        identity.targets.add(pick(honest));
      }
      const neighbours = [...identity.targets].sort();
      for (const seed of seeds) {
        const requestId = `attack-register-${identity.address}-${seed.address}`;
        const proof = signRequest(
          {
            kind: "register",
            address: identity.address,
            publicKey: identity.publicKey,
            incarnation: null,
            neighbours,
            requestId,
          },
          identity.sign,
        );
        identity.links.send(seed.address, {
          type: "quorum.register-request",
          requestId,
          address: identity.address,
          publicKey: identity.publicKey,
          neighbours,
          proof,
        });
        counts.registrations++;
      }
    }
  }

  function requestNeighbours(): void {
    for (const identity of identities) {
      for (const target of [...identity.targets].sort()) {
        identity.links.send(target, { type: "node.neighbour" });
        counts.neighbourRequests++;
      }
    }
  }

  /** Alive votes, to every seed, about every honest peer this identity is a mutual neighbour of. */
  function voteAliveAboutAll(identity: Identity): void {
    for (const [victim, voters] of mutualVoters()) {
      if (!voters.includes(identity)) continue;
      const alive = vote(identity, victim, "alive", round());
      for (const seed of seeds) {
        identity.links.send(seed.address, { type: "liveness.alive-vote", vote: alive });
        counts.aliveVotes++;
      }
    }
  }

  /** The identities each honest member lists back (mutual edges as the seeds see them). */
  function mutualVoters(): Map<string, Identity[]> {
    const byVictim = new Map<string, Identity[]>();
    for (const identity of identities) {
      for (const target of identity.targets) {
        const record = records.get(target);
        if (record?.status !== "alive" || !record.neighbours.includes(identity.address)) continue;
        byVictim.set(target, [...(byVictim.get(target) ?? []), identity]);
      }
    }
    return byVictim;
  }

  /** One round of the attack: read the directory, report, vote alive, forge and flood gossip. */
  function attackRound(): void {
    rounds++;
    const reader = identities[0] as Identity;
    reading = new Map();
    reader.links.send(pick(seeds).address, {
      type: "quorum.list-request",
      requestId: `attack-list-${++sequence}`,
    });
    for (const [victim, voters] of [...mutualVoters()].sort(([a], [b]) => (a < b ? -1 : 1))) {
      const reportRound = round();
      const votes = voters.map((voter) => vote(voter, victim, "dead", reportRound));
      const reporter = voters[0] as Identity;
      const incarnation = records.get(victim)?.incarnation ?? 0;
      for (const seed of seeds) {
        reporter.links.send(seed.address, {
          type: "quorum.dead-report",
          requestId: `attack-report-${++sequence}`,
          address: victim,
          incarnation,
          evidence: {
            suspect: victim,
            incarnation,
            round: reportRound,
            reporter: reporter.address,
            votes,
            insufficientNeighbours: false,
          },
        });
        counts.deadReports++;
      }
      // Alive votes about every neighbour: if it has crashed, this tries to keep it a member.
      for (const voter of voters) {
        const alive = vote(voter, victim, "alive", round());
        for (const seed of seeds) {
          voter.links.send(seed.address, { type: "liveness.alive-vote", vote: alive });
          counts.aliveVotes++;
        }
      }
    }
    const honest = options.honest();
    for (const identity of identities) {
      for (const target of [...identity.targets].sort()) {
        // A message "from" an honest peer, with a signature it never made.
        const origin = pick(honest);
        const payload = encoder.encode(`forged ${++sequence} from ${origin}`);
        identity.links.send(target, {
          type: "gossip.message",
          id: messageId(origin, payload),
          origin,
          payload,
          hops: 0,
          signature: hex(identity.sign(gossipSigningBytes(origin, payload))),
        });
        counts.forgedGossip++;
      }
      // And its own, signed (every peer relays and checks it), to fill the message lists.
      if (rounds % floodEvery !== 0) continue;
      const own = encoder.encode(`flood ${++sequence} from ${identity.address}`);
      const message: WireMessage = {
        type: "gossip.message",
        id: messageId(identity.address, own),
        origin: identity.address,
        payload: own,
        hops: 0,
        signature: hex(identity.sign(gossipSigningBytes(identity.address, own))),
      };
      for (const target of [...identity.targets].sort()) identity.links.send(target, message);
      counts.floodGossip++;
    }
  }

  let running = false;
  const loop = (): void => {
    if (!running) return;
    attackRound();
    sim.clock.setTimer(periodMs, loop);
  };

  return {
    counts,
    addresses: identities.map((identity) => identity.address),
    /** Registers every identity and asks for neighbours, then attacks every `periodMs`. */
    start(): void {
      register();
      sim.clock.setTimer(1_000, requestNeighbours);
      running = true;
      sim.clock.setTimer(3_000, loop);
    },
    /** Honest peers that list at least one identity back, sorted. */
    attacked(): string[] {
      return [...mutualVoters().keys()].sort();
    },
    /** How many honest peers list an identity back (mutual edges at the seeds). */
    mutualEdges(): number {
      let edges = 0;
      for (const voters of mutualVoters().values()) edges += voters.length;
      return edges;
    },
    async stop(): Promise<void> {
      running = false;
      for (const identity of identities) await identity.links.close();
    },
  };
}
