import { createSimulation } from "@p2p/sim";
import { createMachineHost, type MachineHost } from "@p2p/wire";
import {
  createGossip,
  type Gossip,
  type GossipConfigInput,
  type GossipInput,
  type GossipOutput,
  type GossipWireMessage,
} from "../src/index.js";
import { createIdentities, type Identities } from "./identities.js";
import type { Overlay } from "./overlay.js";

/** One first receipt: `at` delivered message `id` (from `origin`) after `hops` links. */
export interface Delivery {
  at: string;
  origin: string;
  id: string;
  hops: number;
  atMs: number;
}

/** Options of {@link gossipNetwork}. */
export interface GossipNetworkOptions {
  maxEntries?: number;
  ttlMs?: number;
  lossRate?: number;
  latencyMs?: number;
  jitterMs?: number;
  generator?: GossipConfigInput["generator"];
  catchUp?: GossipConfigInput["catchUp"];
  forwarding?: GossipConfigInput["forwarding"];
  /** Defaults to `maxEntries` (one origin may fill the list), as the simulations have few origins. */
  maxPerOrigin?: number;
  /** The identities (keys) of the peers; by default a memoizing registry of every overlay node. */
  identities?: Identities;
  /** Messages keep their order on each link, as on a TCP connection (the simulator's `inOrder`). */
  inOrder?: boolean;
}

/**
 * One gossip machine per overlay node on the simulated network. Nobody is connected until the
 * test calls `connect()` (everyone at once) or `setNeighbours` (one peer at a time). Every peer
 * has a real Ed25519 identity key (noble) that signs what it publishes; every peer verifies
 * origins against the registry of all peers' keys (memoized across peers: one real
 * verification per message, see {@link createIdentities}).
 */
export function gossipNetwork(overlay: Overlay, seed: number, options: GossipNetworkOptions = {}) {
  const sim = createSimulation({
    seed,
    link: {
      latencyMs: options.latencyMs ?? 10,
      jitterMs: options.jitterMs ?? 5,
      lossRate: options.lossRate ?? 0,
      inOrder: options.inOrder ?? false,
    },
  });
  const machines = new Map<string, Gossip>();
  const deliveries: Delivery[] = [];
  const publishedAt = new Map<string, number>();
  /** "id|from|to" → full copies sent over that link in that direction. */
  const linkCrossings = new Map<string, number>();
  const addresses = [...overlay.keys()].sort();
  const identities = options.identities ?? createIdentities({ memoize: true });

  const hosts = new Map<string, MachineHost<GossipInput>>();
  const applyOutput = (address: string, output: GossipOutput) => {
    if (output.type === "send") {
      if (output.message.type === "gossip.message") {
        const key = `${output.message.id}|${address}|${output.to}`;
        linkCrossings.set(key, (linkCrossings.get(key) ?? 0) + 1);
      }
      sim.send(address, output.to, output.message);
    } else if (output.event.type === "message-delivered") {
      deliveries.push({
        at: address,
        origin: output.event.origin,
        id: output.event.id,
        hops: output.event.hops,
        atMs: sim.now(),
      });
    } else if (output.event.type === "message-published") {
      publishedAt.set(output.event.id, sim.now());
    }
  };
  /** Steps one peer's machine through the one machine host (timers on the simulator's clock). */
  const apply = (address: string, input: GossipInput) => hosts.get(address)?.step(input);

  for (const address of addresses) {
    const config: GossipConfigInput = {
      self: address,
      generator: options.generator ?? false,
      messageList: {
        maxEntries: options.maxEntries ?? 4096,
        ttlMs: options.ttlMs ?? 600_000,
        maxPerOrigin: options.maxPerOrigin ?? options.maxEntries ?? 4096,
      },
    };
    if (options.catchUp !== undefined) config.catchUp = options.catchUp;
    if (options.forwarding !== undefined) config.forwarding = options.forwarding;
    const machine = createGossip(config, {
      random: sim.random(`gossip ${address}`),
      sign: identities.signerFor(address),
      verifyOrigin: identities.verifyOrigin,
    });
    machines.set(address, machine);
    hosts.set(
      address,
      createMachineHost({
        clock: sim.clockFor(address),
        machine,
        apply: (output) => applyOutput(address, output),
      }),
    );
    sim.addNode(address, (from, message) =>
      apply(address, {
        type: "receive",
        now: sim.now(),
        from,
        message: message as GossipWireMessage,
      }),
    );
  }
  const setNeighbours = (address: string, neighbours: Iterable<string>) =>
    apply(address, { type: "neighbours", now: sim.now(), neighbours: [...neighbours] });
  /** Every live peer takes its overlay neighbours as connected. */
  const connect = () => {
    for (const address of addresses)
      if (sim.isUp(address)) setNeighbours(address, overlay.get(address) ?? []);
  };
  const publish = (origin: string, text: string) =>
    apply(origin, { type: "publish", now: sim.now(), payload: new TextEncoder().encode(text) });
  return {
    sim,
    machines,
    deliveries,
    publishedAt,
    linkCrossings,
    apply,
    connect,
    setNeighbours,
    publish,
    addresses,
    identities,
  };
}
