/**
 * Hosts as network namespaces on one bridge, and the faults injected into them with nft.
 *
 * Every host is a namespace `<prefix><name>` with one veth (`eth0` inside) on the bridge; the
 * harness itself sits on the bridge at `.254` and is never subject to a fault, so it can always
 * query the seeds and scrape metrics. Each host's faults live in its own nft table, rewritten
 * whole (atomically) whenever they change.
 */
import { execFileSync } from "node:child_process";

/** One host: a namespace with one address on the bridge. */
export interface Host {
  readonly name: string;
  readonly namespace: string;
  readonly ip: string;
}

/** The faults of one host, as nft rules inside its namespace. */
interface HostFaults {
  /** Inbound packets dropped at random, in percent (each link direction loses it once). */
  lossPercent: number;
  /** Packets from these addresses are dropped on the way in. */
  readonly blockedFrom: Set<string>;
  /** Packets to these addresses are dropped on the way out. */
  readonly blockedTo: Set<string>;
  /** TCP segments carrying data are dropped on the way out (pure ACKs, SYN, FIN, RST pass). */
  isMuted: boolean;
  /** Inbound TCP to each of these ports is redirected to port + relayOffset (the delay relay). */
  relayPorts: readonly number[];
}

/** Added to a node port to get the port of its delaying relay. */
export const RELAY_PORT_OFFSET = 20_000;

const run = (command: string, args: readonly string[], input?: string): string =>
  execFileSync(command, args, {
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    ...(input === undefined ? {} : { input }),
  });

/** Runs a command, ignoring failure (for teardown). */
const tryRun = (command: string, args: readonly string[]): void => {
  try {
    run(command, args);
  } catch {
    // already gone
  }
};

/** A bridge with namespaces on it; `teardown` removes them all (and what runs in them). */
export class Network {
  readonly prefix: string;
  readonly subnet: string;
  readonly harnessIp: string;
  readonly hosts = new Map<string, Host>();
  private readonly bridge: string;
  private readonly faults = new Map<string, HostFaults>();
  private vethCount = 0;
  private isTornDown = false;

  constructor(id: number) {
    this.prefix = `p2ph${id}-`;
    this.bridge = `p2ph${id}br`;
    this.subnet = `10.231.${id % 250}`;
    this.harnessIp = `${this.subnet}.254`;
    run("ip", ["link", "add", this.bridge, "type", "bridge"]);
    run("ip", ["addr", "add", `${this.harnessIp}/24`, "dev", this.bridge]);
    run("ip", ["link", "set", this.bridge, "up"]);
  }

  /** Creates host `name` at `<subnet>.<octet>`. */
  addHost(name: string, octet: number): Host {
    // A scenario still running after SIGINT/SIGTERM's teardown must not add hosts again.
    if (this.isTornDown) throw new Error("the network is torn down");
    const namespace = `${this.prefix}${name}`;
    const ip = `${this.subnet}.${octet}`;
    const veth = `${this.prefix.slice(0, -1)}v${this.vethCount++}`;
    run("ip", ["netns", "add", namespace]);
    const host: Host = { name, namespace, ip };
    this.hosts.set(name, host);
    run("ip", ["link", "add", veth, "type", "veth", "peer", "name", `${veth}i`]);
    run("ip", ["link", "set", `${veth}i`, "netns", namespace]);
    run("ip", ["link", "set", veth, "master", this.bridge, "up"]);
    const inside = (...args: string[]) => run("ip", ["-n", namespace, ...args]);
    inside("link", "set", `${veth}i`, "name", "eth0");
    inside("addr", "add", `${ip}/24`, "dev", "eth0");
    inside("link", "set", "eth0", "up");
    inside("link", "set", "lo", "up");
    // Without TCP timestamps and SACK a pure ACK is exactly 40 bytes (see `mute`).
    run("ip", ["netns", "exec", namespace, "sysctl", "-qw", "net.ipv4.tcp_timestamps=0"]);
    run("ip", ["netns", "exec", namespace, "sysctl", "-qw", "net.ipv4.tcp_sack=0"]);
    this.faults.set(name, {
      lossPercent: 0,
      blockedFrom: new Set(),
      blockedTo: new Set(),
      isMuted: false,
      relayPorts: [],
    });
    this.apply(host);
    return host;
  }

  /** Drops `percent` % of the packets entering every host (0 heals). */
  setLoss(percent: number): void {
    for (const host of this.hosts.values()) {
      this.faultsOf(host).lossPercent = percent;
      this.apply(host);
    }
  }

  /** Redirects inbound TCP to `ports` of `host` through its delaying relay. */
  setRelay(host: Host, ports: readonly number[]): void {
    this.faultsOf(host).relayPorts = ports;
    this.apply(host);
  }

  /** Cuts `from` → `to` (one-way) or both ways; `heal` undoes it. */
  partition(from: Host, to: Host, isOneWay: boolean): void {
    this.faultsOf(from).blockedTo.add(to.ip);
    this.faultsOf(to).blockedFrom.add(from.ip);
    if (!isOneWay) {
      this.faultsOf(to).blockedTo.add(from.ip);
      this.faultsOf(from).blockedFrom.add(to.ip);
    }
    this.apply(from);
    this.apply(to);
  }

  /** Cuts `host` off from every other host (the harness still reaches it). */
  isolate(host: Host): void {
    for (const other of this.hosts.values()) {
      if (other !== host) this.partition(host, other, false);
    }
  }

  /**
   * Mutes `host`: every TCP segment it sends with data is dropped, control segments pass. It
   * keeps receiving on its open connections (its ACKs go out) but nothing it says arrives,
   * and no new connection completes a handshake: TCP's closest thing to "hears, cannot send".
   */
  mute(host: Host, isMuted: boolean): void {
    this.faultsOf(host).isMuted = isMuted;
    this.apply(host);
  }

  /** Removes every partition, mute and loss (relays stay). */
  healAll(): void {
    for (const host of this.hosts.values()) {
      const faults = this.faultsOf(host);
      faults.lossPercent = 0;
      faults.blockedFrom.clear();
      faults.blockedTo.clear();
      faults.isMuted = false;
      this.apply(host);
    }
  }

  /** PIDs of every process inside the network's namespaces. */
  pids(): number[] {
    const pids: number[] = [];
    for (const host of this.hosts.values()) {
      try {
        pids.push(
          ...run("ip", ["netns", "pids", host.namespace]).split("\n").filter(Boolean).map(Number),
        );
      } catch {
        // namespace gone
      }
    }
    return pids;
  }

  /** Kills whatever still runs in the namespaces, deletes them and the bridge. */
  teardown(): void {
    for (const pid of this.pids()) {
      try {
        process.kill(pid, "SIGKILL");
      } catch {
        // exited meanwhile
      }
    }
    this.isTornDown = true;
    for (const host of this.hosts.values()) tryRun("ip", ["netns", "del", host.namespace]);
    this.hosts.clear();
    // A veth whose end never reached its namespace (torn down mid-creation) stays otherwise.
    for (let index = 0; index < this.vethCount; index++) {
      tryRun("ip", ["link", "del", `${this.prefix.slice(0, -1)}v${index}`]);
    }
    tryRun("ip", ["link", "del", this.bridge]);
  }

  private faultsOf(host: Host): HostFaults {
    const faults = this.faults.get(host.name);
    if (faults === undefined) throw new Error(`unknown host ${host.name}`);
    return faults;
  }

  /** Rewrites the host's nft table from its faults, in one transaction. */
  private apply(host: Host): void {
    const faults = this.faultsOf(host);
    const notHarness = `ip saddr != ${this.harnessIp}`;
    const toOthers = `ip daddr != ${this.harnessIp}`;
    const set = (addresses: Set<string>) => `{ ${[...addresses].join(", ")} }`;
    const input: string[] = [];
    const output: string[] = [];
    if (faults.blockedFrom.size > 0) {
      input.push(`iifname "eth0" ip saddr ${set(faults.blockedFrom)} drop`);
    }
    if (faults.lossPercent > 0) {
      input.push(`iifname "eth0" ${notHarness} numgen random mod 100 < ${faults.lossPercent} drop`);
    }
    if (faults.blockedTo.size > 0) {
      output.push(`oifname "eth0" ip daddr ${set(faults.blockedTo)} drop`);
    }
    if (faults.isMuted) {
      output.push(`oifname "eth0" ${toOthers} tcp flags & (syn | rst) == 0 ip length > 40 drop`);
    }
    const redirects = faults.relayPorts.map(
      (port) =>
        `iifname "eth0" ${notHarness} tcp dport ${port} redirect to :${port + RELAY_PORT_OFFSET}`,
    );
    const script = [
      "table inet p2ph",
      "delete table inet p2ph",
      "table inet p2ph {",
      "  chain input { type filter hook input priority 0; policy accept;",
      ...input.map((rule) => `    ${rule}`),
      "  }",
      "  chain output { type filter hook output priority 0; policy accept;",
      ...output.map((rule) => `    ${rule}`),
      "  }",
      "  chain prerouting { type nat hook prerouting priority -100; policy accept;",
      ...redirects.map((rule) => `    ${rule}`),
      "  }",
      "}",
      "",
    ].join("\n");
    run("ip", ["netns", "exec", host.namespace, "nft", "-f", "-"], script);
  }
}
