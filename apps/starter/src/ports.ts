import { createServer } from "node:net";

/** What a bind attempt found: free, in use, or an address this machine does not have. */
export type PortCheck = "free" | "in-use" | "not-local";

/** Checks a TCP port by binding it on `host` for a moment. */
export function checkPort(host: string, port: number): Promise<PortCheck> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", (error: NodeJS.ErrnoException) => {
      resolve(error.code === "EADDRNOTAVAIL" ? "not-local" : "in-use");
    });
    server.listen({ host, port, exclusive: true }, () => {
      server.close(() => resolve("free"));
    });
  });
}

/**
 * The first port in `range` (inclusive) that is not in `exclude` and binds on `host`;
 * undefined when every port is taken.
 */
export async function findFreePort(
  host: string,
  range: { readonly start: number; readonly end: number },
  exclude: ReadonlySet<number>,
): Promise<number | undefined> {
  for (let port = range.start; port <= range.end; port += 1) {
    if (exclude.has(port)) continue;
    if ((await checkPort(host, port)) === "free") return port;
  }
  return undefined;
}
