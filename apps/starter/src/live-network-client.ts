import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  createProcessRandom,
  formatMembersReport,
  parseSeedList,
  queryMembers,
  type SeedListEntry,
} from "@p2p/cli-support";
import {
  analyseGraph,
  degreeSummary,
  formatDegreeSummary,
  formatReport,
  liveOverlay,
} from "@p2p/topology";
import { systemClock } from "@p2p/wire";
import { createTcpTransport } from "@p2p/wire/tcp";
import type { NetworkClient, NetworkView } from "./network-client.js";

/**
 * Every seed with its pinned key, from the config.txt the seeds wrote beside config.yml (none
 * before the first seed started).
 */
export function writtenSeedList(configPath: string): SeedListEntry[] {
  const path = join(dirname(configPath), "config.txt");
  const parsed = existsSync(path) ? parseSeedList(readFileSync(path, "utf8"), path) : undefined;
  return parsed === undefined || !parsed.ok ? [] : [...parsed.value];
}

/** The running seeds with their pinned keys. */
function pinnedSeeds(view: NetworkView): SeedListEntry[] {
  return writtenSeedList(view.configPath).filter((seed) => view.seeds.includes(seed.address));
}

const ask = (view: NetworkView) =>
  queryMembers({
    seeds: pinnedSeeds(view),
    transport: createTcpTransport(),
    clock: systemClock,
    random: createProcessRandom(),
    timeoutMs: 2_000,
  });

/**
 * The starter's view of a running network: `members` asks every seed directly; `topology`
 * rebuilds the live overlay from the neighbour lists in the seeds' directory, prints degree
 * statistics and the power-law fit, and writes edges.json next to config.yml (for
 * `topology analyze edges.json`, which draws the plots).
 */
export const liveNetworkClient: NetworkClient = {
  async members(view) {
    return formatMembersReport(await ask(view));
  },
  async topology(view) {
    const report = await ask(view);
    const answer = report.answers.find((candidate) => candidate.ok);
    if (answer === undefined || !answer.ok) return ["topology: no seed answered"];
    const overlay = liveOverlay(
      answer.members.map((entry) => entry.record).filter((record) => record.status === "alive"),
    );
    const lines = [
      `topology (from seed ${answer.seed}): ${overlay.names.length} live peers, ${overlay.edges.length} links`,
    ];
    const summary = degreeSummary(overlay.graph);
    if (summary === undefined) return lines;
    lines.push(formatDegreeSummary(summary));
    const edgesPath = join(dirname(view.configPath), "edges.json");
    writeFileSync(edgesPath, `${JSON.stringify(overlay.edges, null, 1)}\n`);
    lines.push(`edges written to ${edgesPath}`);
    if (overlay.edges.length === 0) return lines;
    try {
      lines.push(...formatReport(analyseGraph(overlay.graph, { seed: 1, bootstrap: 100 })));
    } catch (error) {
      lines.push(`topology: ${error instanceof Error ? error.message : String(error)}`);
    }
    lines.push(`plots: topology analyze ${edgesPath}`);
    return lines;
  },
};
