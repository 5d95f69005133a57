import type { LatencyHistogram, LinkStats, PeerNodeView, SeedNodeStats } from "@p2p/node";
import type { MemberEntry } from "@p2p/quorum";
import type { TcpTransportStats } from "@p2p/wire/tcp";
import { Counter, collectDefaultMetrics, Gauge, type Metric, Registry } from "prom-client";

/** What the seed app's metrics read: the seed's counters and view, and its transport's. */
export interface SeedMetricsSource {
  stats(): SeedNodeStats;
  members(): readonly MemberEntry[];
  transportStats(): TcpTransportStats;
}

/** What the peer app's metrics read: the peer's view (with its counters) and its transport's. */
export interface PeerMetricsSource {
  inspect(): PeerNodeView;
  transportStats(): TcpTransportStats;
}

/** A metric's value read at scrape time. */
type Read = () => number;
/** A labelled metric's values read at scrape time, by label value. */
type ReadLabelled = () => Readonly<Record<string, number>>;

/** Registers a counter whose total is read from the node's own counters at each scrape. */
function counter(registry: Registry, name: string, help: string, read: Read): void {
  new Counter({
    name,
    help,
    registers: [registry],
    collect() {
      this.reset();
      this.inc(read());
    },
  });
}

/** Like {@link counter}, one series per value of `label`. */
function labelledCounter(
  registry: Registry,
  name: string,
  help: string,
  label: string,
  read: ReadLabelled,
): void {
  new Counter({
    name,
    help,
    labelNames: [label],
    registers: [registry],
    collect() {
      this.reset();
      for (const [value, total] of Object.entries(read())) this.inc({ [label]: value }, total);
    },
  });
}

function gauge(registry: Registry, name: string, help: string, read: Read): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}

/**
 * Registers a histogram kept by the node (bucket counts in milliseconds), exposed in seconds.
 * prom-client's Histogram only takes single observations, so this is a small metric object of
 * the shape the Registry reads (`name`, `help`, `type`, `get()`).
 */
function nodeHistogram(
  registry: Registry,
  name: string,
  help: string,
  read: () => LatencyHistogram,
): void {
  const metric = {
    name,
    help,
    type: "histogram",
    aggregator: "sum",
    collect() {},
    reset() {},
    async get() {
      const histogram = read();
      let cumulative = 0;
      const buckets = histogram.boundsMs.map((boundMs, index) => {
        cumulative += histogram.counts[index] ?? 0;
        const le = String(boundMs / 1000);
        return { metricName: `${name}_bucket`, labels: { le }, value: cumulative };
      });
      const values = [
        ...buckets,
        { metricName: `${name}_bucket`, labels: { le: "+Inf" }, value: histogram.count },
        { metricName: `${name}_sum`, labels: {}, value: histogram.sumMs / 1000 },
        { metricName: `${name}_count`, labels: {}, value: histogram.count },
      ];
      return { name, help, type: "histogram", aggregator: "sum", values };
    },
  };
  registry.registerMetric(metric as unknown as Metric);
}

/** The link metrics both apps share: handshakes (the node's links) and traffic (TCP). */
function linkMetrics(
  registry: Registry,
  links: () => LinkStats,
  transport: () => TcpTransportStats,
): void {
  counter(
    registry,
    "p2p_link_handshakes_completed_total",
    "Link handshakes that proved the other end's identity key.",
    () => links().handshakesCompleted,
  );
  counter(
    registry,
    "p2p_link_handshakes_failed_total",
    "Link handshakes that failed (timeout, bad message, key that does not check out).",
    () => links().handshakesFailed,
  );
  labelledCounter(
    registry,
    "p2p_link_handshakes_refused_total",
    "Links refused after their handshake, by code (ROLE_REFUSED, ADDRESS_NOT_PROVEN, ...).",
    "code",
    () => links().refused,
  );
  gauge(
    registry,
    "p2p_link_peers",
    "Addresses with an open, proven link.",
    () => links().connected,
  );
  labelledCounter(
    registry,
    "p2p_link_connections_opened_total",
    "TCP connections opened, by direction.",
    "direction",
    () => ({
      inbound: transport().connectionsAccepted,
      outbound: transport().connectionsDialled,
    }),
  );
  const traffic: [string, string, keyof TcpTransportStats][] = [
    ["p2p_link_frames_sent_total", "Frames sent.", "framesSent"],
    ["p2p_link_frames_received_total", "Frames received.", "framesReceived"],
    ["p2p_link_sent_bytes_total", "Bytes sent on links, frame headers included.", "bytesSent"],
    [
      "p2p_link_received_bytes_total",
      "Bytes received on links, frame headers included.",
      "bytesReceived",
    ],
  ];
  for (const [name, help, key] of traffic) counter(registry, name, help, () => transport()[key]);
}

/** A registry with prom-client's process metrics (CPU, memory, event loop, GC, handles). */
function baseRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The seed app's metrics registry: quorum (commit latency, no-quorum results, refusals,
 * member changes and records), the seeds' own probes, links and the process. Every value is
 * read from the seed's counters when scraped.
 */
export function createSeedMetrics(source: SeedMetricsSource): Registry {
  const registry = baseRegistry();
  const quorum = () => source.stats().quorum;
  const prober = () => source.stats().prober;
  nodeHistogram(
    registry,
    "p2p_quorum_commit_latency_seconds",
    "Operations that ended ok (registrations, updates, leaves, removals, reads), from the request reaching the registry to its answer.",
    () => quorum().commitLatency,
  );
  counter(
    registry,
    "p2p_quorum_no_quorum_total",
    "Operations that ended with NO_QUORUM: no majority of seeds answered in time.",
    () => quorum().noQuorum,
  );
  labelledCounter(
    registry,
    "p2p_quorum_refusals_total",
    "Operations answered with an error other than NO_QUORUM, by reason (error code).",
    "reason",
    () => quorum().refusals,
  );
  labelledCounter(
    registry,
    "p2p_quorum_member_changes_total",
    "Member record changes this seed saw committed, by change.",
    "change",
    () => quorum().changes,
  );
  new Gauge({
    name: "p2p_quorum_members",
    help: "Member records in this seed's view, by status.",
    labelNames: ["status"],
    registers: [registry],
    collect() {
      const counts: Record<string, number> = { alive: 0, dead: 0, left: 0 };
      for (const entry of source.members()) {
        counts[entry.record.status] = (counts[entry.record.status] ?? 0) + 1;
      }
      for (const [status, count] of Object.entries(counts)) this.set({ status }, count);
    },
  });
  counter(
    registry,
    "p2p_liveness_pings_sent_total",
    "Pings sent by this seed's own probes of suspects.",
    () => prober().pingsSent,
  );
  counter(
    registry,
    "p2p_liveness_seed_probes_total",
    "Probes this seed started itself (suspects with too few neighbours to vote, orphans).",
    () => prober().probesStarted,
  );
  counter(
    registry,
    "p2p_liveness_probe_hints_obeyed_total",
    "Peers' requests to begin probing a suspect with few neighbours early, obeyed.",
    () => prober().probeHintsObeyed,
  );
  counter(
    registry,
    "p2p_liveness_probe_hints_ignored_total",
    "Such requests ignored: not from a live neighbour of the suspect, or not needed.",
    () => prober().probeHintsIgnored,
  );
  counter(
    registry,
    "p2p_liveness_removals_proposed_total",
    "Removals this seed proposed after a dead report or its own probe.",
    () => prober().removalsProposed,
  );
  linkMetrics(registry, () => source.stats().links, source.transportStats);
  return registry;
}

/**
 * The peer app's metrics registry: gossip, liveness, the overlay, links and the process.
 * Every value is read from the peer's view when scraped.
 */
export function createPeerMetrics(source: PeerMetricsSource): Registry {
  const registry = baseRegistry();
  const gossip = () => source.inspect().gossip;
  const liveness = () => source.inspect().liveness.counters;
  const gossipCounters: [string, string, keyof PeerNodeView["gossip"]["counters"]][] = [
    ["p2p_gossip_messages_delivered_total", "Gossip messages delivered (first copy).", "delivered"],
    [
      "p2p_gossip_duplicates_dropped_total",
      "Gossip copies dropped: the message was already delivered.",
      "duplicates",
    ],
    ["p2p_gossip_copies_sent_total", "Gossip copies sent (own and relayed).", "sent"],
    ["p2p_gossip_messages_published_total", "Gossip messages this peer published.", "published"],
  ];
  for (const [name, help, key] of gossipCounters) {
    counter(registry, name, help, () => gossip().counters[key]);
  }
  // Plumtree only (the forwarding mode is fixed when the peer is made): its repair traffic and
  // the tree as this peer sees it.
  if (gossip().plumtree !== undefined) {
    const plumtreeCounters: [string, string, keyof PeerNodeView["gossip"]["counters"]][] = [
      [
        "p2p_gossip_grafts_sent_total",
        "Plumtree grafts sent (asks for a missing message).",
        "graftsSent",
      ],
      ["p2p_gossip_grafts_served_total", "Full copies sent in answer to a graft.", "graftsServed"],
      [
        "p2p_gossip_prunes_sent_total",
        "Plumtree prunes sent (a neighbour leaves the tree).",
        "prunesSent",
      ],
      [
        "p2p_gossip_announced_ids_sent_total",
        "Message ids announced to lazy neighbours.",
        "ihaveIdsSent",
      ],
    ];
    for (const [name, help, key] of plumtreeCounters) {
      counter(registry, name, help, () => gossip().counters[key]);
    }
    gauge(
      registry,
      "p2p_gossip_eager_neighbours",
      "Plumtree neighbours that get full copies (the tree).",
      () => gossip().plumtree?.eager.length ?? 0,
    );
    gauge(
      registry,
      "p2p_gossip_lazy_neighbours",
      "Plumtree neighbours that get announcements only.",
      () => gossip().plumtree?.lazy.length ?? 0,
    );
    gauge(
      registry,
      "p2p_gossip_missing_ids",
      "Announced message ids this peer lacks and waits for (Plumtree).",
      () => gossip().plumtree?.missing ?? 0,
    );
  }
  labelledCounter(
    registry,
    "p2p_gossip_messages_rejected_total",
    "Gossip messages dropped for breaking a rule, by reason.",
    "reason",
    () => gossip().rejections,
  );
  const livenessCounters: [string, string, keyof PeerNodeView["liveness"]["counters"]][] = [
    ["p2p_liveness_pings_sent_total", "Pings sent to neighbours.", "pingsSent"],
    ["p2p_liveness_suspicions_raised_total", "Neighbours this peer suspected.", "suspicions"],
    [
      "p2p_liveness_suspicions_cleared_total",
      "Suspicions cleared by an alive vote or answer.",
      "cleared",
    ],
    ["p2p_liveness_dead_reports_total", "Dead reports this peer sent the seeds.", "reports"],
  ];
  for (const [name, help, key] of livenessCounters) {
    counter(registry, name, help, () => liveness()[key]);
  }
  gauge(
    registry,
    "p2p_overlay_neighbours",
    "This peer's current neighbours.",
    () => source.inspect().neighbours.length,
  );
  linkMetrics(registry, () => source.inspect().links, source.transportStats);
  return registry;
}
