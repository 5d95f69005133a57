// `pnpm bench:compare [--quick]`: p2p side by side with Serf (failure detection, dissemination,
// memory, idle CPU) and etcd (commit latency), real processes on 127.0.0.1, one run, every
// figure a ratio to its anchor measured in the same run. Prints the table and the machine,
// writes bench/compare/results.md, and exits 1 with the first error if a measurement failed.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type CommitSamples, type CpuTally, emptyCommitSamples, measureCommits } from "./commit.js";
import { EtcdCluster } from "./etcd.js";
import {
  type DisseminationWindows,
  type MembershipSettings,
  measureMembership,
} from "./membership.js";
import { REPO_ROOT } from "./p2p.js";
import { measurePlumtree } from "./plumtree.js";
import { killAll } from "./processes.js";
import {
  type Figure,
  machineLine,
  quantileOf,
  textTable,
  type Value,
  writeMarkdown,
} from "./report.js";
import { SerfCluster } from "./serf.js";
import { measureSimulated, type SimulatedSettings } from "./simulated.js";

const USAGE = `usage: pnpm bench:compare [--quick]
  p2p against Serf (detection, dissemination, memory, idle CPU) and etcd (commit), side by side,
  dissemination again in a second p2p network forwarding by Plumtree,
  then gossip copies on a simulated overlay (Plumtree against flooding) and the codec against
  JSON lines, each against its baseline in the same run
  --quick   a smoke run: 10 nodes a side, 2 kills, 200 simulated peers, short windows (about a minute)`;
const INSTALL = "apt-get install serf etcd-server";
const RESULTS = fileURLToPath(new URL("results.md", import.meta.url));

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h")) {
  console.log(USAGE);
  process.exit(0);
}
const unknown = args.filter((arg) => arg !== "--quick");
if (unknown.length > 0) {
  console.error(`bench:compare: unknown argument ${unknown[0]}\n${USAGE}`);
  process.exit(64);
}
const isQuick = args.includes("--quick");
const membership: MembershipSettings = isQuick
  ? {
      peers: 10,
      kills: 2,
      messageCount: 30,
      windowSeconds: 4,
      settleSeconds: 10,
      serfEvents: 4,
      idleSeconds: 6,
    }
  : {
      peers: 30,
      kills: 5,
      messageCount: 90,
      windowSeconds: 10,
      settleSeconds: 45,
      // Serf's time to all varies from event to event (0.36–0.45 s medians over 10 in two runs):
      // 30 make the anchor of the dissemination rows steadier, for about 20 s more.
      serfEvents: 30,
      idleSeconds: 20,
    };
const commit = isQuick ? { rounds: 2, perRound: 15 } : { rounds: 6, perRound: 25 };
const simulated: SimulatedSettings = isQuick
  ? { peers: 200, messages: 20, codecRounds: 2, codecRoundMs: 30 }
  : { peers: 1000, messages: 100, codecRounds: 7, codecRoundMs: 150 };

const log = (line: string) => console.log(line);
const isInstalled = (command: string, versionArg: string) =>
  (spawnSync(command, [versionArg], { stdio: "ignore" }).error as NodeJS.ErrnoException | undefined)
    ?.code !== "ENOENT";

/** Builds the apps with `pnpm build` when a bin's dist is missing. */
function ensureBuilt(): void {
  const built = ["apps/seed/dist/main.js", "apps/seed/dist/members.js", "apps/peer/dist/main.js"];
  if (built.every((path) => existsSync(join(REPO_ROOT, path)))) return;
  log("apps not built yet: running `npx -y pnpm@10.34.9 build`");
  const result = spawnSync("npx", ["-y", "pnpm@10.34.9", "build"], {
    cwd: REPO_ROOT,
    stdio: "inherit",
  });
  if (result.status !== 0) throw new Error("`pnpm build` failed; the bins cannot run");
}

const skipped = (what: string) => `skipped: ${what} not installed`;

/**
 * Where the commit rows' CPU time goes (servers, client), and the least time a sequential
 * operation can take on this machine's cores when it is CPU-bound: its CPU time over the cores.
 */
function commitCpuNote(cpu: CommitSamples["cpu"], hasEtcd: boolean): string {
  const cores = availableParallelism();
  const split = (tally: CpuTally): string => {
    if (tally.operations === 0) return "not measured";
    const servers = tally.serversMs / tally.operations;
    const client = tally.clientMs / tally.operations;
    return `${servers.toFixed(2)} ms at the servers + ${client.toFixed(2)} ms in the client, so at least ${((servers + client) / cores).toFixed(2)} ms on ${cores} cores`;
  };
  return `Commit CPU: every thread of the servers (/proc/<pid>/task/*/schedstat) and this process, over the measured rounds, per operation: warm update ${split(cpu.update)}; registration ${split(cpu.register)}${hasEtcd ? `; etcd put ${split(cpu.put)}` : ""}.`;
}

async function main(): Promise<number> {
  const started = performance.now();
  const machine = machineLine();
  log(`bench:compare${isQuick ? " --quick" : ""}: p2p against Serf and etcd, one run, 127.0.0.1`);
  log(`machine: ${machine}`);
  ensureBuilt();
  const hasSerf = isInstalled("serf", "version");
  const hasEtcd = isInstalled("etcd", "--version");
  const notes: string[] = [];
  for (const [name, has] of [
    ["serf", hasSerf],
    ["etcd", hasEtcd],
  ] as const) {
    if (!has) {
      const note = `${name} is not installed: its columns are skipped. Install with \`${INSTALL}\` (Debian) and run again.`;
      notes.push(note);
      log(`note: ${note}`);
    }
  }
  const directory = mkdtempSync(join(tmpdir(), "p2p-bench-compare-"));
  const errors: string[] = [];
  let isKept = false;
  // Interrupted (SIGINT, SIGTERM): every process killed, then the run's files removed.
  process.on("exit", () => {
    killAll();
    if (!isKept) rmSync(directory, { recursive: true, force: true });
  });
  try {
    log(
      `membership: ${membership.peers} peers (3 seeds) and ${hasSerf ? membership.peers : 0} Serf agents`,
    );
    mkdirSync(join(directory, "p2p"));
    const members = await measureMembership(
      join(directory, "p2p"),
      membership,
      hasSerf ? new SerfCluster() : undefined,
      log,
    );
    errors.push(...members.errors);

    log(`plumtree: a second network of ${membership.peers} peers with gossip_forwarding: plumtree`);
    mkdirSync(join(directory, "plumtree"));
    const none = { stamped: 0, complete: 0, seconds: [] };
    let plumtreeWindows: DisseminationWindows = { fresh: none, steady: none };
    try {
      plumtreeWindows = await measurePlumtree(join(directory, "plumtree"), membership, log);
      const { fresh, steady } = plumtreeWindows;
      if (steady.error !== undefined) errors.push(`plumtree, steady state: ${steady.error}`);
      if (fresh.error !== undefined) errors.push(`plumtree, first window: ${fresh.error}`);
    } catch (error) {
      errors.push(`plumtree: ${error instanceof Error ? error.message : String(error)}`);
    }

    log(
      `commit: ${commit.rounds} rounds of ${commit.perRound} registrations${hasEtcd ? " and etcd puts" : ""}, sequential`,
    );
    const etcd = hasEtcd ? new EtcdCluster(join(directory, "etcd")) : undefined;
    let commits = emptyCommitSamples();
    try {
      await etcd?.start();
      const measured = await measureCommits({ directory, ...commit, etcd });
      commits = measured;
      if (measured.errors.length > 0) {
        errors.push(
          `commit: ${measured.errors.length} operations failed; first: ${measured.errors[0]}`,
        );
      }
    } catch (error) {
      errors.push(`commit: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      etcd?.stop();
    }

    const plumtree = plumtreeWindows.steady;
    // In this process, once the real processes of the rows above have stopped.
    const simulatedRows = measureSimulated(simulated, log);

    const serfValue = (samples: number[], q: number, what: string): Value =>
      hasSerf ? quantileOf(samples, q, `failed: no ${what}`) : skipped("serf");
    const p2pValue = (samples: number[], q: number, what: string): Value =>
      quantileOf(samples, q, `failed: no ${what}`);
    const etcdValue = (samples: number[], q: number): Value =>
      hasEtcd ? quantileOf(samples, q, "failed: no puts") : skipped("etcd");
    /** A p2p dissemination quantile against the same quantile of the Serf user events. */
    const disseminationRow = (
      name: string,
      seconds: number[],
      q: number,
      maxRatio?: number,
    ): Figure => ({
      name,
      unit: "s",
      p2p: p2pValue(seconds, q, "complete message"),
      anchorName: "Serf user event",
      anchor: serfValue(members.disseminationS.serf, q, "user event"),
      ...(maxRatio === undefined ? {} : { target: { kind: "ratio", max: maxRatio } }),
    });
    /** CPU time (ms) per operation of a tally, servers and client together. */
    const cpuPerOperation = (tally: CpuTally, what: string): Value =>
      tally.operations > 0
        ? (tally.serversMs + tally.clientMs) / tally.operations
        : `failed: no ${what} measured`;
    const MB = 1024 * 1024;
    const lone = {
      p2p: members.lone.p2p === undefined ? undefined : members.lone.p2p.rss / MB,
      serf: members.lone.serf === undefined ? undefined : members.lone.serf.rss / MB,
      floor: members.lone.floor === undefined ? undefined : members.lone.floor.rss / MB,
    };
    const n = membership.peers;
    const figures: Figure[] = [
      {
        name: `detection: kill -9 of 1 of ${n} → removed at every seed / failed at every survivor, median`,
        unit: "s",
        p2p: p2pValue(members.detectionS.p2p, 0.5, "removal"),
        anchorName: "Serf",
        anchor: serfValue(members.detectionS.serf, 0.5, "failure"),
        target: { kind: "ratio", max: 0.5 },
      },
      {
        name: `detection, p99 (${members.detectionS.p2p.length} / ${members.detectionS.serf.length} kills)`,
        unit: "s",
        p2p: p2pValue(members.detectionS.p2p, 0.99, "removal"),
        anchorName: "Serf",
        anchor: serfValue(members.detectionS.serf, 0.99, "failure"),
        target: { kind: "ratio", max: 0.6 },
      },
      disseminationRow(
        `dissemination: one message → all ${n - 1} others, gossip_forwarding: flood, steady state (every peer up ≥ ${membership.settleSeconds} s), median`,
        members.disseminationS.p2p,
        0.5,
        0.05,
      ),
      disseminationRow(
        `dissemination, gossip_forwarding: plumtree (a second network of ${n}, run alone), steady state, median`,
        plumtree.seconds,
        0.5,
        0.05,
      ),
      disseminationRow(
        `dissemination, steady state, p90 (flooding, ${members.disseminationS.p2p.length} messages / ${members.disseminationS.serf.length} user events)`,
        members.disseminationS.p2p,
        0.9,
      ),
      disseminationRow(
        `dissemination, plumtree, steady state, p90 (${plumtree.seconds.length} messages)`,
        plumtree.seconds,
        0.9,
      ),
      disseminationRow(
        `dissemination in the first ${membership.windowSeconds} s after the last join (new processes, JIT compiling), flooding, median`,
        members.freshDisseminationS,
        0.5,
      ),
      disseminationRow(
        `dissemination in the first ${membership.windowSeconds} s after the last join, plumtree, median`,
        plumtreeWindows.fresh.seconds,
        0.5,
      ),
      {
        name: "false removals during the run (live peers removed / live agents failed)",
        unit: "count",
        p2p: members.falseRemovals.p2p.length,
        anchorName: "Serf",
        anchor: hasSerf ? members.falseRemovals.serf.length : skipped("serf"),
        target: { kind: "absolute", max: 0 },
      },
      {
        name: "commit: register a new member at its owner seed (3 seeds, LMDB) vs etcd put, p50",
        unit: "ms",
        p2p: p2pValue(commits.register, 0.5, "registration"),
        anchorName: "etcd put",
        anchor: etcdValue(commits.put, 0.5),
        target: { kind: "ratio", max: 1 },
      },
      {
        name: "commit: register a new member at its owner seed vs etcd put, p99",
        unit: "ms",
        p2p: p2pValue(commits.register, 0.99, "registration"),
        anchorName: "etcd put",
        anchor: etcdValue(commits.put, 0.99),
      },
      {
        name: "commit: register a new member at another seed (prepare + accept) vs etcd put, p50",
        unit: "ms",
        p2p: p2pValue(commits.registerElsewhere, 0.5, "registration"),
        anchorName: "etcd put",
        anchor: etcdValue(commits.put, 0.5),
      },
      {
        name: "commit: neighbour update over a warm link vs etcd put, p50",
        unit: "ms",
        p2p: p2pValue(commits.update, 0.5, "update"),
        anchorName: "etcd put",
        anchor: etcdValue(commits.put, 0.5),
      },
      {
        name: "commit: CPU per warm neighbour update (3 seeds + the registrant) vs per etcd put (3 members + the client)",
        unit: "ms",
        p2p: cpuPerOperation(commits.cpu.update, "update"),
        anchorName: "etcd put",
        anchor: hasEtcd ? cpuPerOperation(commits.cpu.put, "put") : skipped("etcd"),
      },
      {
        name: "commit: CPU per registration (3 seeds + the registrant: TCP, 2 handshakes, commit) vs per etcd put",
        unit: "ms",
        p2p: cpuPerOperation(commits.cpu.register, "registration"),
        anchorName: "etcd put",
        anchor: hasEtcd ? cpuPerOperation(commits.cpu.put, "put") : skipped("etcd"),
      },
      {
        name: "RSS of a lone peer (registered, alone) vs a lone Serf agent",
        unit: "MB",
        p2p: lone.p2p ?? "failed: not measured",
        anchorName: "Serf",
        anchor: hasSerf ? (lone.serf ?? "failed: not measured") : skipped("serf"),
        target: { kind: "absolute", max: 50 },
      },
      {
        name: "RSS floor: a bare node process doing a peer's system work only (TCP, Ed25519, X25519, ChaCha20-Poly1305, SHA-256) vs a lone Serf agent",
        unit: "MB",
        p2p: lone.floor ?? "failed: not measured",
        anchorName: "Serf",
        anchor: hasSerf ? (lone.serf ?? "failed: not measured") : skipped("serf"),
      },
      {
        name: `RSS per process in the network of ${n}, median`,
        unit: "MB",
        p2p: p2pValue(members.rssMb.p2p, 0.5, "process"),
        anchorName: "Serf agent",
        anchor: serfValue(members.rssMb.serf, 0.5, "agent"),
      },
      {
        name: `PSS per process in the network of ${n} (shared pages split among their processes), median`,
        unit: "MB",
        p2p: p2pValue(members.pssMb.p2p, 0.5, "process"),
        anchorName: "Serf agent",
        anchor: serfValue(members.pssMb.serf, 0.5, "agent"),
      },
      {
        name: `idle CPU per process over ${membership.idleSeconds} s, median`,
        unit: "%",
        p2p: p2pValue(members.cpuPercent.p2p, 0.5, "process"),
        anchorName: "Serf agent",
        anchor: serfValue(members.cpuPercent.serf, 0.5, "agent"),
      },
      ...simulatedRows.figures,
    ];
    const { stamped, complete } = members.messages;
    notes.push(
      `Detection: p2p from the kill to the last seed's own \`removed <peer> (dead…\` line (fast profile); Serf from the kill to the last survivor's \`EventMemberFailed\` log line reaching this process; one peer and one agent killed at the same instant, each replaced before the next kill.`,
      `False removals: p2p ${members.falseRemovals.p2p.length}${members.falseRemovals.p2p.length > 0 ? ` (${members.falseRemovals.p2p.join(", ")})` : ""}; Serf false failures ${members.falseRemovals.serf.length}.`,
      `Dissemination: p2p ${complete} of ${stamped} messages stamped in the steady-state window (opened once the youngest peer had run ${membership.settleSeconds} s) reached all ${n - 1} other peers, and ${members.freshMessages.complete} of ${members.freshMessages.stamped} in the first window after the last join (time from the origin's stamp in the message to the last delivery line in outputfile.txt); Serf ${members.serfEvents.complete} of ${members.serfEvents.sent} user events (\`serf event -coalesce=false\`) reached every agent within 10 s, timed from the origin agent's \`Received event\` line to the last other agent's${members.serfEvents.firstMiss === undefined ? "" : ` (the others are not timed; first: ${members.serfEvents.firstMiss})`}.`,
      `Dissemination with Plumtree: ${plumtree.complete} of ${plumtree.stamped} messages stamped in the steady-state window (and ${plumtreeWindows.fresh.complete} of ${plumtreeWindows.fresh.stamped} in the first) reached all ${n - 1} other peers, measured the same way in a second network started after the first had stopped (no Serf agents running then); the Serf column is the user events above.`,
      `Commit: ${commits.register.length} registrations at the key's owner seed (\`keyOwner\`: a new key's write at ballot 0, one round trip) and ${commits.registerElsewhere.length} at another seed (prepare + accept), each including TCP, the handshake and the seed's dial-back; ${commits.update.length} warm updates, ${commits.put.length} etcd puts (HTTP JSON gateway, keep-alive, to the leader), sequential, in alternating rounds.`,
      commitCpuNote(commits.cpu, hasEtcd),
      ...simulatedRows.notes,
      `RSS and CPU: p2p peers (seeds not counted) and Serf agents, /proc/<pid>/status VmRSS and /proc/<pid>/stat utime+stime, after the peers' message generators finished; PSS from /proc/<pid>/smaps_rollup.`,
    );
    const split = (memory: { anon: number; file: number } | undefined) =>
      memory === undefined
        ? "not measured"
        : `${(memory.anon / MB).toFixed(1)} MB anonymous + ${(memory.file / MB).toFixed(1)} MB file pages`;
    notes.push(
      `Lone process RSS split: p2p peer ${split(members.lone.p2p)} (the node executable's pages, shared by every node process on the host); node floor ${split(members.lone.floor)} (bench/compare/node-floor.ts: no libraries, no p2p code; the lone peer less this is what p2p's code and libraries cost); Serf agent ${split(members.lone.serf)}.`,
    );
    const seconds = (performance.now() - started) / 1000;
    notes.push(`Run took ${seconds.toFixed(0)} s${isQuick ? " (--quick)" : ""}.`);
    log("");
    for (const line of textTable(figures)) log(line);
    log("");
    for (const note of notes) log(`- ${note}`);
    writeMarkdown(
      RESULTS,
      `bench:compare${isQuick ? " --quick" : ""}: p2p against Serf and etcd`,
      machine,
      figures,
      errors.length > 0 ? [...notes, `Failed: ${errors[0]}`] : notes,
    );
    log(`written to ${RESULTS}`);
    if (commits.register.length === 0 && errors.length === 0) {
      errors.push("commit: no registration measured");
    }
  } catch (error) {
    errors.push(error instanceof Error ? (error.stack ?? error.message) : String(error));
  } finally {
    killAll();
    isKept = errors.length > 0;
  }
  if (errors.length > 0) {
    console.error(
      `bench:compare failed (${errors.length} problem${errors.length > 1 ? "s" : ""}); first: ${errors[0]}`,
    );
    console.error(`the run's files (logs, outputfile.txt) are kept in ${directory}`);
    return 1;
  }
  return 0;
}

process.exitCode = await main();
