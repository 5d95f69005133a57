import { createServer, type Server } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { freePortBlock } from "../test/helpers.js";
import { checkPort, findFreePort } from "./ports.js";

const servers: Server[] = [];
afterEach(() => {
  for (const server of servers.splice(0)) server.close();
});

function occupy(port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    servers.push(server);
    server.once("error", reject);
    server.listen({ host: "127.0.0.1", port }, () => resolve());
  });
}

describe("ports", () => {
  it("tells a free port from one in use", async () => {
    const base = await freePortBlock(2);
    await occupy(base);
    expect(await checkPort("127.0.0.1", base)).toBe("in-use");
    expect(await checkPort("127.0.0.1", base + 1)).toBe("free");
  });

  it("finds the first port that is neither excluded nor bound", async () => {
    const base = await freePortBlock(4);
    await occupy(base + 1);
    const range = { start: base, end: base + 3 };
    expect(await findFreePort("127.0.0.1", range, new Set([base]))).toBe(base + 2);
    expect(await findFreePort("127.0.0.1", range, new Set([base, base + 2, base + 3]))).toBe(
      undefined,
    );
  });

  it("recognises an address this machine does not have", async () => {
    expect(await checkPort("192.0.2.1", 40_000)).toBe("not-local");
  });
});
