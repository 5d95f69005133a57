import { createServer } from "node:net";
import { Counter, Registry } from "prom-client";
import { describe, expect, it } from "vitest";
import { startMetricsServer } from "./metrics-server.js";

/** A port nothing listens on right now. */
async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen({ host: "127.0.0.1", port: 0 }, resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (typeof address !== "object" || address === null) throw new Error("no port");
  return address.port;
}

describe("startMetricsServer", () => {
  it("serves the registry at /metrics and 404 elsewhere", async () => {
    const registry = new Registry();
    const scrapes = new Counter({ name: "test_scrapes_total", help: "x", registers: [registry] });
    scrapes.inc(3);
    const address = `127.0.0.1:${await freePort()}`;
    const server = await startMetricsServer("seed", address, registry);
    try {
      expect(server.address).toBe(address);
      const response = await fetch(`http://${address}/metrics`);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toContain("text/plain");
      expect(await response.text()).toContain("test_scrapes_total 3");
      for (const path of ["/", "/metric", "/metrics/x"]) {
        const other = await fetch(`http://${address}${path}`);
        expect(other.status, path).toBe(404);
        await other.text();
      }
      const post = await fetch(`http://${address}/metrics`, { method: "POST" });
      expect(post.status).toBe(404);
      await post.text();
    } finally {
      await server.close();
    }
  });

  it("refuses a port in use with one line and the config exit code", async () => {
    const address = `127.0.0.1:${await freePort()}`;
    const first = await startMetricsServer("peer", address, new Registry());
    try {
      const error = await startMetricsServer("peer", address, new Registry()).catch(
        (caught: unknown) => caught,
      );
      expect(error).toMatchObject({
        exitCode: 78,
        message: `peer: --metrics ${address}: cannot listen: the port is in use; choose another`,
      });
    } finally {
      await first.close();
    }
  });

  it("refuses a bad address as a usage error", async () => {
    const error = await startMetricsServer("seed", "localhost", new Registry()).catch(
      (caught: unknown) => caught,
    );
    expect(error).toMatchObject({ exitCode: 64 });
  });
});
