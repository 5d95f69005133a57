import type { PeerNodeView, SeedNodeStats } from "@p2p/node";
import type { MemberEntry } from "@p2p/quorum";
import type { TcpTransportStats } from "@p2p/wire/tcp";
import { describe, expect, it } from "vitest";
import { createPeerMetrics, createSeedMetrics } from "./node-metrics.js";

const transport: TcpTransportStats = {
  connectionsAccepted: 2,
  connectionsDialled: 3,
  framesSent: 10,
  framesReceived: 11,
  bytesSent: 1_000,
  bytesReceived: 1_100,
};
const links = {
  handshakesCompleted: 5,
  handshakesFailed: 1,
  refused: { ADDRESS_NOT_PROVEN: 2 },
  connected: 4,
};

/** The value of one series in Prometheus text (undefined when absent). */
function seriesValue(text: string, series: string): number | undefined {
  const line = text.split("\n").find((candidate) => candidate.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe("createSeedMetrics", () => {
  it("exposes the seed's counters, its commit latency in seconds and the process metrics", async () => {
    let registered = 1;
    const stats = (): SeedNodeStats => ({
      links,
      quorum: {
        commitLatency: { boundsMs: [10, 100], counts: [2, 1, 1], count: 4, sumMs: 5_250 },
        noQuorum: 3,
        refusals: { KEY_MISMATCH: 1 },
        changes: { registered, updated: 0, removed: 1, left: 0 },
      },
      prober: {
        pingsSent: 7,
        probesStarted: 2,
        reportsHeld: 0,
        reportsReleased: 0,
        reportsDropped: 0,
        removalsProposed: 1,
        aliveVotesCounted: 0,
        reportsOverBudget: 0,
        probesRefused: 0,
        probeHintsObeyed: 4,
        probeHintsIgnored: 1,
      },
    });
    const members = [
      { record: { address: "127.0.0.1:6001", status: "alive" } },
      { record: { address: "127.0.0.1:6002", status: "dead" } },
    ] as unknown as MemberEntry[];
    const registry = createSeedMetrics({
      stats,
      members: () => members,
      transportStats: () => transport,
    });
    const text = await registry.metrics();
    expect(text).toContain("# TYPE p2p_quorum_commit_latency_seconds histogram");
    expect(seriesValue(text, 'p2p_quorum_commit_latency_seconds_bucket{le="0.01"}')).toBe(2);
    expect(seriesValue(text, 'p2p_quorum_commit_latency_seconds_bucket{le="0.1"}')).toBe(3);
    expect(seriesValue(text, 'p2p_quorum_commit_latency_seconds_bucket{le="+Inf"}')).toBe(4);
    expect(seriesValue(text, "p2p_quorum_commit_latency_seconds_sum")).toBe(5.25);
    expect(seriesValue(text, "p2p_quorum_commit_latency_seconds_count")).toBe(4);
    expect(seriesValue(text, "p2p_quorum_no_quorum_total")).toBe(3);
    expect(seriesValue(text, 'p2p_quorum_refusals_total{reason="KEY_MISMATCH"}')).toBe(1);
    expect(seriesValue(text, 'p2p_quorum_member_changes_total{change="registered"}')).toBe(1);
    expect(seriesValue(text, 'p2p_quorum_members{status="alive"}')).toBe(1);
    expect(seriesValue(text, 'p2p_quorum_members{status="dead"}')).toBe(1);
    expect(seriesValue(text, "p2p_liveness_pings_sent_total")).toBe(7);
    expect(seriesValue(text, "p2p_liveness_removals_proposed_total")).toBe(1);
    expect(seriesValue(text, "p2p_liveness_probe_hints_obeyed_total")).toBe(4);
    expect(seriesValue(text, "p2p_liveness_probe_hints_ignored_total")).toBe(1);
    expect(seriesValue(text, "p2p_link_handshakes_completed_total")).toBe(5);
    expect(seriesValue(text, 'p2p_link_handshakes_refused_total{code="ADDRESS_NOT_PROVEN"}')).toBe(
      2,
    );
    expect(seriesValue(text, 'p2p_link_connections_opened_total{direction="outbound"}')).toBe(3);
    expect(seriesValue(text, "p2p_link_sent_bytes_total")).toBe(1_000);
    expect(seriesValue(text, "p2p_link_received_bytes_total")).toBe(1_100);
    expect(seriesValue(text, "p2p_link_peers")).toBe(4);
    expect(text).toMatch(/^process_cpu_user_seconds_total \d/m);
    // Values are read at each scrape.
    registered = 5;
    expect(
      seriesValue(await registry.metrics(), 'p2p_quorum_member_changes_total{change="registered"}'),
    ).toBe(5);
  });
});

describe("createPeerMetrics", () => {
  it("exposes gossip, liveness, overlay and link counters from the peer's view", async () => {
    let delivered = 4;
    const view = () =>
      ({
        neighbours: ["127.0.0.1:6002", "127.0.0.1:6003"],
        links,
        gossip: {
          counters: {
            delivered,
            duplicates: 6,
            sent: 9,
            published: 2,
            graftsSent: 3,
            graftsServed: 1,
            prunesSent: 5,
            ihaveIdsSent: 40,
          },
          rejections: { "bad-signature": 1, "not-neighbour": 0 },
          plumtree: { eager: ["127.0.0.1:6002"], lazy: ["127.0.0.1:6003"], missing: 2 },
        },
        liveness: { counters: { pingsSent: 12, suspicions: 1, cleared: 1, reports: 0 } },
      }) as unknown as PeerNodeView;
    const registry = createPeerMetrics({ inspect: view, transportStats: () => transport });
    const text = await registry.metrics();
    for (const name of [
      "p2p_gossip_messages_delivered_total",
      "p2p_gossip_duplicates_dropped_total",
      "p2p_gossip_copies_sent_total",
      "p2p_liveness_pings_sent_total",
      "p2p_liveness_suspicions_raised_total",
      "p2p_liveness_suspicions_cleared_total",
      "p2p_liveness_dead_reports_total",
    ]) {
      expect(text).toContain(`# TYPE ${name} counter`);
    }
    expect(seriesValue(text, "p2p_gossip_messages_delivered_total")).toBe(4);
    expect(seriesValue(text, "p2p_gossip_duplicates_dropped_total")).toBe(6);
    expect(seriesValue(text, 'p2p_gossip_messages_rejected_total{reason="bad-signature"}')).toBe(1);
    expect(seriesValue(text, "p2p_liveness_pings_sent_total")).toBe(12);
    expect(seriesValue(text, "p2p_overlay_neighbours")).toBe(2);
    // Plumtree: the repair traffic and the tree as this peer sees it.
    expect(seriesValue(text, "p2p_gossip_grafts_sent_total")).toBe(3);
    expect(seriesValue(text, "p2p_gossip_grafts_served_total")).toBe(1);
    expect(seriesValue(text, "p2p_gossip_prunes_sent_total")).toBe(5);
    expect(seriesValue(text, "p2p_gossip_announced_ids_sent_total")).toBe(40);
    expect(seriesValue(text, "p2p_gossip_eager_neighbours")).toBe(1);
    expect(seriesValue(text, "p2p_gossip_lazy_neighbours")).toBe(1);
    expect(seriesValue(text, "p2p_gossip_missing_ids")).toBe(2);
    expect(seriesValue(text, "p2p_link_frames_received_total")).toBe(11);
    delivered = 9;
    expect(seriesValue(await registry.metrics(), "p2p_gossip_messages_delivered_total")).toBe(9);
  });

  it("leaves out the Plumtree series when the peer floods", async () => {
    const view = () =>
      ({
        neighbours: [],
        links,
        gossip: { counters: { delivered: 0 }, rejections: {}, plumtree: undefined },
        liveness: { counters: {} },
      }) as unknown as PeerNodeView;
    const text = await createPeerMetrics({
      inspect: view,
      transportStats: () => transport,
    }).metrics();
    expect(text).toContain("p2p_gossip_messages_delivered_total");
    expect(text).not.toContain("p2p_gossip_grafts_sent_total");
    expect(text).not.toContain("p2p_gossip_eager_neighbours");
  });
});
