// The Prometheus side of the apps, a separate entry point (`@p2p/cli-support/metrics`): a
// node loads prom-client only when it serves metrics (about 8 MB of a process's RSS).
export type { MetricsServer } from "./metrics-server.js";
export { startMetricsServer } from "./metrics-server.js";
export type { PeerMetricsSource, SeedMetricsSource } from "./node-metrics.js";
export { createPeerMetrics, createSeedMetrics } from "./node-metrics.js";
