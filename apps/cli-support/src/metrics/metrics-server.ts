import { createServer } from "node:http";
import type { Registry } from "prom-client";
import { AppExit, EXIT } from "../app-runtime.js";
import { formatNodeAddress, parseNodeAddress } from "../config/address.js";

/** A running `/metrics` endpoint. */
export interface MetricsServer {
  /** The address it listens on, `ip:port` (the bound port when 0 was asked for). */
  readonly address: string;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}

/**
 * Serves `registry` in the Prometheus text format at `http://<address>/metrics` (GET or HEAD;
 * every other path is 404). `address` is `ip:port` as `--metrics` takes it. Throws a usage
 * AppExit (64) for a bad address and a config AppExit (78, one line) when it cannot listen
 * there, e.g. the port is in use.
 */
export async function startMetricsServer(
  role: string,
  address: string,
  registry: Registry,
): Promise<MetricsServer> {
  const parsed = parseNodeAddress(address);
  if (!parsed.ok) throw new AppExit(EXIT.usage, `${role}: --metrics: ${parsed.error.message}`);
  const { ip, port } = parsed.value;
  const server = createServer((request, response) => {
    const path = (request.url ?? "").split("?")[0];
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain; charset=utf-8" });
      response.end("not found; metrics are at /metrics\n");
      return;
    }
    registry.metrics().then(
      (text) => {
        response.writeHead(200, { "content-type": registry.contentType });
        response.end(request.method === "HEAD" ? undefined : text);
      },
      (error: unknown) => {
        response.writeHead(500, { "content-type": "text/plain; charset=utf-8" });
        response.end(`cannot collect metrics: ${String(error)}\n`);
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", (error: NodeJS.ErrnoException) => {
      const why =
        error.code === "EADDRINUSE"
          ? "the port is in use; choose another"
          : error.code === "EADDRNOTAVAIL"
            ? "no such address on this machine"
            : error.message;
      reject(new AppExit(EXIT.config, `${role}: --metrics ${address}: cannot listen: ${why}`));
    });
    server.listen({ host: ip, port }, () => resolve());
  });
  const bound = server.address();
  const boundPort = typeof bound === "object" && bound !== null ? bound.port : port;
  return {
    address: formatNodeAddress({ ip, port: boundPort }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
