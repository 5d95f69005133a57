import type { SeededRandom } from "@p2p/wire";
import { P2pError, parseConfig } from "@p2p/wire";
import { identitiesOf } from "./address.js";
import { checkAddress } from "./argument-checks.js";
import { type Link, type LinkInput, LinkSchema } from "./config.js";
import type { SimErrorCode } from "./errors.js";
import type { TraceHash } from "./trace.js";

/** Options of {@link Simulation.partition}. */
export interface PartitionOptions {
  /** Cut only traffic from group A to group B (B can still reach A). Default false. */
  readonly oneWay?: boolean;
}

/** A partition in force; `heal()` removes just this one. */
export interface PartitionHandle {
  heal(): void;
}

/**
 * The link and fault model of a simulation: the link settings per direction, the partitions,
 * and which addresses and hosts are crashed. Endpoints are given as their identities (see
 * `identitiesOf`): an address matches a setting made for it or for its host.
 */
export interface FaultModel extends FaultControls {
  /** The identities of `address` (itself and its host), cached. */
  identities(address: string): readonly string[];
  /** False when any of `ids` is crashed. */
  isUp(ids: readonly string[]): boolean;
  /** Changes with every crash and restart of any of `ids`. */
  incarnation(ids: readonly string[]): number;
  /** The link from `fromIds` to `toIds`: the first override found, else the default. */
  link(fromIds: readonly string[], toIds: readonly string[]): Link;
  /** True when a partition cuts traffic from `fromIds` to `toIds`. */
  isCut(fromIds: readonly string[], toIds: readonly string[]): boolean;
  /** latency + jitter, drawn from the network stream. */
  delay(link: Link): number;
}

/** The faults a simulation's user injects (the public part of the fault model). */
export interface FaultControls {
  /** Overrides the link settings for one direction, `from` → `to` (addresses or hosts). */
  setLink(from: string, to: string, link: Partial<LinkInput>): void;
  /** Cuts traffic between two groups of addresses or hosts (both ways unless `oneWay`). */
  partition(
    groupA: readonly string[],
    groupB: readonly string[],
    options?: PartitionOptions,
  ): PartitionHandle;
  /** Removes every partition. */
  heal(): void;
  /** Crashes a node address or a whole host: inbound messages in flight are dropped, nothing is sent. */
  crash(address: string): void;
  /** Brings a crashed node or host back up (with its state as the caller rebuilds it). */
  restart(address: string): void;
}

interface Partition {
  readonly groupA: ReadonlySet<string>;
  readonly groupB: ReadonlySet<string>;
  readonly isOneWay: boolean;
}

function intersects(group: ReadonlySet<string>, ids: readonly string[]): boolean {
  for (const id of ids) if (group.has(id)) return true;
  return false;
}

/**
 * Creates the link and fault model. Jitter is drawn from `network`; every change is traced
 * at `now()`, and `faultsChanged` runs after each partition, heal, crash and restart.
 */
export function createFaultModel(
  defaultLink: Link,
  network: SeededRandom,
  trace: TraceHash,
  now: () => number,
  faultsChanged: () => void,
): FaultModel {
  const identityCache = new Map<string, readonly string[]>();
  const links = new Map<string, Link>();
  const partitions = new Set<Partition>();
  const down = new Set<string>();
  const epochs = new Map<string, number>();

  const identities = (address: string): readonly string[] => {
    let ids = identityCache.get(address);
    if (ids === undefined) {
      ids = identitiesOf(address);
      identityCache.set(address, ids);
    }
    return ids;
  };

  const isUpIds = (ids: readonly string[]): boolean => {
    if (down.size === 0) return true;
    for (const id of ids) if (down.has(id)) return false;
    return true;
  };

  const incarnation = (ids: readonly string[]): number => {
    if (epochs.size === 0) return 0;
    let sum = 0;
    for (const id of ids) sum += epochs.get(id) ?? 0;
    return sum;
  };

  const linkFor = (fromIds: readonly string[], toIds: readonly string[]): Link => {
    if (links.size === 0) return defaultLink;
    for (const from of fromIds) {
      for (const to of toIds) {
        const link = links.get(`${from}\u0000${to}`);
        if (link !== undefined) return link;
      }
    }
    return defaultLink;
  };

  const isCut = (fromIds: readonly string[], toIds: readonly string[]): boolean => {
    if (partitions.size === 0) return false;
    for (const partition of partitions) {
      if (intersects(partition.groupA, fromIds) && intersects(partition.groupB, toIds)) return true;
      if (
        !partition.isOneWay &&
        intersects(partition.groupB, fromIds) &&
        intersects(partition.groupA, toIds)
      ) {
        return true;
      }
    }
    return false;
  };

  const delay = (link: Link): number => {
    let total = link.latencyMs;
    if (link.jitterMs > 0) total += network.next() * link.jitterMs;
    return total;
  };

  return {
    identities,
    isUp: isUpIds,
    incarnation,
    link: linkFor,
    isCut,
    delay,

    setLink(from, to, link) {
      checkAddress("from", from);
      checkAddress("to", to);
      const key = `${from}\u0000${to}`;
      const base = links.get(key) ?? defaultLink;
      const merged = parseConfig(LinkSchema, { ...base, ...link }, "simulation link");
      links.set(key, Object.freeze(merged));
      trace.add(`link ${now()} ${from} ${to} ${JSON.stringify(merged)}`);
    },
    partition(groupA, groupB, options = {}) {
      if (groupA.length === 0 || groupB.length === 0) {
        throw new P2pError<SimErrorCode>(
          "ARGUMENT_INVALID",
          "partition needs two non-empty groups",
        );
      }
      const setA = new Set(groupA);
      for (const member of groupB) {
        if (setA.has(member)) {
          throw new P2pError<SimErrorCode>(
            "ARGUMENT_INVALID",
            `${member} is in both partition groups`,
          );
        }
      }
      const partition: Partition = {
        groupA: setA,
        groupB: new Set(groupB),
        isOneWay: options.oneWay === true,
      };
      partitions.add(partition);
      trace.add(
        `partition ${now()} ${[...setA].join(",")} ${[...partition.groupB].join(",")} ${partition.isOneWay}`,
      );
      faultsChanged();
      return {
        heal() {
          if (partitions.delete(partition)) {
            trace.add(`heal-one ${now()}`);
            faultsChanged();
          }
        },
      };
    },
    heal() {
      partitions.clear();
      trace.add(`heal ${now()}`);
      faultsChanged();
    },
    crash(address) {
      checkAddress("address", address);
      if (down.has(address)) return;
      down.add(address);
      epochs.set(address, (epochs.get(address) ?? 0) + 1);
      trace.add(`crash ${now()} ${address}`);
      faultsChanged();
    },
    restart(address) {
      checkAddress("address", address);
      if (!down.delete(address)) return;
      epochs.set(address, (epochs.get(address) ?? 0) + 1);
      trace.add(`restart ${now()} ${address}`);
      faultsChanged();
    },
  };
}
