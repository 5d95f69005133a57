import { request } from "node:http";
import { compareViews, type MembersReport, type SeedAnswer } from "@p2p/cli-support";
import { P2pError } from "@p2p/wire";
import { afterEach, describe, expect, it } from "vitest";
import {
  startViewServer,
  type ViewEvent,
  type ViewEventInput,
  type ViewServer,
  type ViewServerOptions,
  type ViewState,
} from "../src/view/index.js";

const SEED = { address: "127.0.0.1:5000", key: "0".repeat(64) };
const PEER = "127.0.0.1:6000";

const reportOf = (answer: SeedAnswer): MembersReport => {
  const answers = [answer];
  return { answers, ...compareViews(answers) };
};

const alive: SeedAnswer = {
  seed: SEED.address,
  ok: true,
  members: [
    {
      record: { address: PEER, status: "alive", incarnation: 0, neighbours: [], changedAt: 0 },
      version: 1,
    },
  ],
};

const servers: ViewServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
});

async function start(): Promise<ViewServer> {
  const options: ViewServerOptions = {
    seeds: () => [SEED],
    port: 0,
    pollIntervalMs: 20,
    query: async () => reportOf(alive),
  };
  const server = await startViewServer(options);
  servers.push(server);
  return server;
}

/** GETs `path`; resolves with the status, content type and whole body. */
function get(url: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request(url, (response) => {
      let body = "";
      response.on("data", (chunk: Buffer) => {
        body += chunk.toString("utf8");
      });
      response.on("end", () =>
        resolve({
          status: response.statusCode ?? 0,
          type: String(response.headers["content-type"]),
          body,
        }),
      );
    })
      .on("error", reject)
      .end();
  });
}

describe("view server", () => {
  it("serves the page, the state and a stream that close() ends", async () => {
    const server = await start();
    expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await get(server.url);
    expect(page.status).toBe(200);
    expect(page.type).toContain("text/html");
    expect(page.body).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);

    await expect.poll(() => server.state().polls, { timeout: 10_000 }).toBeGreaterThan(0);
    const state = JSON.parse((await get(`${server.url}api/state`)).body) as ViewState;
    expect(state.members.map((member) => [member.address, member.status])).toEqual([
      [PEER, "alive"],
    ]);
    expect((await get(`${server.url}missing`)).status).toBe(404);

    // The stream starts with the state; a pushed line arrives as an event; close() ends it.
    const streamed = new Promise<string>((resolve, reject) => {
      request(`${server.url}events`, (response) => {
        let body = "";
        response.on("data", (chunk: Buffer) => {
          body += chunk.toString("utf8");
          if (body.includes("event: state") && !body.includes("Dead Node")) {
            const line: ViewEventInput = `Dead Node:${PEER}:1767225600000:127.0.0.1`;
            server.push(line);
          }
          if (body.includes("event: event")) void server.close();
        });
        response.on("end", () => resolve(body));
      })
        .on("error", reject)
        .end();
    });
    const body = await streamed;
    expect(body).toContain(`"type":"dead-node","address":"${PEER}"`);
    expect(server.state().events.map((event: ViewEvent) => event.type)).toEqual([
      "member-joined",
      "dead-node",
    ]);
  });

  it("says when its port is in use", async () => {
    const first = await start();
    const port = Number(new URL(first.url).port);
    const failed = startViewServer({ seeds: () => [], port, query: async () => reportOf(alive) });
    await expect(failed).rejects.toSatisfy((error) => P2pError.is(error, "VIEW_PORT_IN_USE"));
    await expect(failed).rejects.toThrow(`127.0.0.1:${port}: the port is in use`);
  });
});
