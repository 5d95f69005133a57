import { writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { createProcessRandom, degreesOf, formatMembersReport, queryMembers } from "@p2p/node";
import { runCli } from "@p2p/topology-cli";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import type { NetworkClient, NetworkView } from "./network-client.js";

const ask = (view: NetworkView) =>
  queryMembers({
    seeds: view.seeds,
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 2_000,
  });

/**
 * The starter's view of a running network: `members` asks every seed directly; `topology`
 * rebuilds the live overlay from the neighbour lists in the seeds' directory, prints degree
 * statistics and the power-law fit, and writes edges.json plus plots next to config.yml.
 */
export const liveNetworkClient: NetworkClient = {
  async members(view) {
    return formatMembersReport(await ask(view));
  },
  async topology(view) {
    const report = await ask(view);
    const answer = report.answers.find((candidate) => candidate.ok);
    if (answer === undefined || !answer.ok) return ["topology: no seed answered"];
    const records = answer.members.map((entry) => entry.record);
    const degrees = degreesOf(records);
    const alive = new Set(degrees.keys());
    const edges = new Map<string, [string, string]>();
    for (const record of records) {
      if (!alive.has(record.address)) continue;
      for (const neighbour of record.neighbours) {
        if (!alive.has(neighbour)) continue;
        const pair: [string, string] =
          record.address < neighbour ? [record.address, neighbour] : [neighbour, record.address];
        edges.set(pair.join(" "), pair);
      }
    }
    const values = [...degrees.values()].sort((a, b) => a - b);
    const lines = [
      `topology (from seed ${answer.seed}): ${values.length} live peers, ${edges.size} links`,
    ];
    if (values.length === 0) return lines;
    const mean = values.reduce((sum, value) => sum + value, 0) / values.length;
    lines.push(
      `degree: min ${values[0]}, median ${values[Math.floor(values.length / 2)]}, mean ${mean.toFixed(2)}, max ${values[values.length - 1]}`,
    );
    const directory = join(dirname(view.configPath), "topology");
    const edgesPath = join(dirname(view.configPath), "edges.json");
    writeFileSync(edgesPath, `${JSON.stringify([...edges.values()], null, 1)}\n`);
    lines.push(`edges written to ${edgesPath}`);
    if (edges.size === 0) return lines;
    const output: string[] = [];
    const code = await runCli(["analyze", edgesPath, "--out", directory, "--bootstrap", "100"], {
      stdout: (line) => output.push(line),
      stderr: { write: (text: string) => output.push(text.trimEnd()) !== 0 },
    });
    lines.push(...output.filter((line) => line !== ""));
    if (code !== 0) lines.push(`topology analyze exited with ${code}`);
    return lines;
  },
};
