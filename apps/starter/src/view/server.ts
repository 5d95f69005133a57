import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createProcessRandom,
  type MembersReport,
  type NetworkConfig,
  queryMembers,
  type SeedListEntry,
} from "@p2p/cli-support";
import { P2pError, systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import { createViewModel, type ViewEvent, type ViewEventInput, type ViewState } from "./model.js";
import { VIEW_PAGE_HTML } from "./page.js";

/** The port the web view listens on unless told otherwise. */
export const DEFAULT_VIEW_PORT = 7070;

/** Error codes of {@link startViewServer}. */
export type ViewServerErrorCode = "VIEW_PORT_IN_USE" | "VIEW_ADDRESS_UNAVAILABLE";

/** Options of {@link startViewServer}. */
export interface ViewServerOptions {
  /** The current seeds with their pinned keys; called before every poll. */
  readonly seeds: () => readonly SeedListEntry[] | Promise<readonly SeedListEntry[]>;
  /** The network's config, shown on the page (timing profile, initial peers). */
  readonly config?: NetworkConfig | undefined;
  /** Interface to listen on (default 127.0.0.1). */
  readonly host?: string | undefined;
  /** Port to listen on (default 7070; 0 picks a free one, see {@link ViewServer.url}). */
  readonly port?: number | undefined;
  /** Pause between the end of one poll and the start of the next (default 1000 ms). */
  readonly pollIntervalMs?: number | undefined;
  /** How long each seed may take per page (default 2000 ms). */
  readonly queryTimeoutMs?: number | undefined;
  /** Asks the seeds (default: the members client over TCP); a test may pass its own. */
  readonly query?: ((seeds: readonly SeedListEntry[]) => Promise<MembersReport>) | undefined;
}

/** A running web view. */
export interface ViewServer {
  /** The page's address, e.g. `http://127.0.0.1:7070/` (the real port when 0 was asked). */
  readonly url: string;
  /** Adds an event to the recent-events list, e.g. a peer's `Dead Node:` output line. */
  push(event: ViewEventInput): void;
  /** The current snapshot (what `/api/state` serves). */
  state(): ViewState;
  /** Stops polling, ends every event stream and closes the server. */
  close(): Promise<void>;
}

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
} as const;

function defaultQuery(
  timeoutMs: number,
): (seeds: readonly SeedListEntry[]) => Promise<MembersReport> {
  const transport = createTcpTransport();
  const random = createProcessRandom();
  return (seeds) => queryMembers({ seeds, transport, clock: systemClock, random, timeoutMs });
}

function listen(
  server: ReturnType<typeof createServer>,
  host: string,
  port: number,
): Promise<void> {
  return new Promise((resolve, reject) => {
    const onError = (error: NodeJS.ErrnoException): void => {
      const where = `${host.includes(":") ? `[${host}]` : host}:${port}`;
      if (error.code === "EADDRINUSE") {
        reject(
          new P2pError<ViewServerErrorCode>(
            "VIEW_PORT_IN_USE",
            `cannot serve the web view on ${where}: the port is in use`,
            { cause: error },
          ),
        );
      } else {
        reject(
          new P2pError<ViewServerErrorCode>(
            "VIEW_ADDRESS_UNAVAILABLE",
            `cannot serve the web view on ${where}: ${error.code === "EADDRNOTAVAIL" ? "not an address of this machine" : (error.code ?? error.message)}`,
            { cause: error },
          ),
        );
      }
    };
    server.once("error", onError);
    server.listen(port, host, () => {
      server.off("error", onError);
      resolve();
    });
  });
}

/**
 * Starts the web view of a running network: polls every seed about once a second, keeps a
 * model of seeds, members, overlay, degree distribution and recent events, and serves `/`
 * (one self-contained page), `/api/state` (JSON) and `/events` (Server-Sent Events: `state`
 * after every change, `event` for each new event). Rejects with a P2pError
 * (`VIEW_PORT_IN_USE`, `VIEW_ADDRESS_UNAVAILABLE`) when it cannot listen.
 */
export async function startViewServer(options: ViewServerOptions): Promise<ViewServer> {
  const host = options.host ?? "127.0.0.1";
  const pollIntervalMs = options.pollIntervalMs ?? 1000;
  const query = options.query ?? defaultQuery(options.queryTimeoutMs ?? 2000);
  const timing = options.config?.timing;
  const model = createViewModel(
    options.config === undefined || timing === undefined
      ? {}
      : {
          network: {
            profile: timing.name,
            pingIntervalMs: timing.pingIntervalMs,
            initialPeers: options.config.initialPeers,
          },
        },
  );
  const streams = new Set<ServerResponse>();
  let isClosed = false;
  let timer: NodeJS.Timeout | undefined;
  let sentVersion = -1;
  let lastFailure = "";

  const send = (name: "state" | "event", data: unknown): void => {
    const frame = `event: ${name}\ndata: ${JSON.stringify(data)}\n\n`;
    for (const stream of streams) stream.write(frame);
  };
  const broadcast = (events: readonly ViewEvent[]): void => {
    for (const event of events) send("event", event);
    const state = model.snapshot();
    if (state.version !== sentVersion) {
      sentVersion = state.version;
      send("state", state);
    }
  };

  const poll = async (): Promise<void> => {
    try {
      const seeds = await options.seeds();
      const report = await query(seeds);
      lastFailure = "";
      if (!isClosed) broadcast(model.update(report));
    } catch (error) {
      const text = `poll failed: ${error instanceof Error ? error.message : String(error)}`;
      if (!isClosed && text !== lastFailure) {
        lastFailure = text;
        const event = model.push({ type: "note", text });
        broadcast(event === undefined ? [] : [event]);
      }
    }
    if (!isClosed) timer = setTimeout(() => void poll(), pollIntervalMs);
  };

  const handle = (request: IncomingMessage, response: ServerResponse): void => {
    const path = new URL(request.url ?? "/", "http://view.invalid").pathname;
    if (request.method !== "GET" && request.method !== "HEAD") {
      response.writeHead(405, { allow: "GET, HEAD", "content-type": "text/plain" });
      response.end("method not allowed\n");
      return;
    }
    if (path === "/" || path === "/index.html") {
      response.writeHead(200, { "content-type": "text/html; charset=utf-8", ...SECURITY_HEADERS });
      response.end(VIEW_PAGE_HTML);
    } else if (path === "/api/state") {
      response.writeHead(200, { "content-type": "application/json", ...SECURITY_HEADERS });
      response.end(`${JSON.stringify(model.snapshot())}\n`);
    } else if (path === "/events") {
      response.writeHead(200, {
        "content-type": "text/event-stream",
        connection: "keep-alive",
        ...SECURITY_HEADERS,
      });
      response.write(`retry: 2000\nevent: state\ndata: ${JSON.stringify(model.snapshot())}\n\n`);
      streams.add(response);
      request.on("close", () => streams.delete(response));
    } else {
      response.writeHead(404, { "content-type": "text/plain" });
      response.end("not found\n");
    }
  };

  const server = createServer(handle);
  await listen(server, host, options.port ?? DEFAULT_VIEW_PORT);
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.write(": keep-alive\n\n");
  }, 15_000);
  heartbeat.unref();
  void poll();

  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(":") ? `[${host}]` : host}:${port}/`;
  return {
    url,
    push(event) {
      if (isClosed) return;
      const added = model.push(event);
      if (added !== undefined) broadcast([added]);
    },
    state: () => model.snapshot(),
    async close() {
      if (isClosed) return;
      isClosed = true;
      if (timer !== undefined) clearTimeout(timer);
      clearInterval(heartbeat);
      for (const stream of streams) stream.end();
      streams.clear();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
