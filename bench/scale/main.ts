// `pnpm bench:scale [--peers N] [--per-process K] [--publishers P] [--quick]`: many real TCP peers on this one
// machine, hosted K to a process (`peer --count K`), with 3 seed processes on 127.0.0.1. It
// measures what a peer costs (a lone peer process against a bare Node process, and each further
// peer in a shared process), how long N peers take to join, whether the seeds agree on all of
// them, whether every publisher's message reaches every other peer, and how late the hosts' event
// loops ran meanwhile. Prints the table and the machine, writes bench/scale/results.md, and
// exits 1 with the first error when the run failed to do its work.
import { spawnSync } from "node:child_process";
import {
  closeSync,
  existsSync,
  mkdtempSync,
  openSync,
  readSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { PEER_PROCESS_FLAGS } from "../../apps/cli-support/src/files/child-process.js";
import { REPO_ROOT } from "../compare/p2p.js";
import {
  type Child,
  canBind,
  freePorts,
  killAll,
  rssBytes,
  runToEnd,
  sleep,
  spawnChild,
  waitUntil,
} from "../compare/processes.js";
import { type Figure, machineLine, textTable, writeMarkdown } from "../compare/report.js";

const USAGE = `usage: pnpm bench:scale [--peers N] [--per-process K] [--quick]
  N real TCP peers (default 1000), K to a process (default 125), 3 seeds
  --publishers P   peers that publish 2 messages each (default 20, in a process of their own);
                   the others only receive and forward (peer --messages 0)
  --quick          60 peers, 20 to a process (about a minute)`;
const RESULTS = fileURLToPath(new URL("results.md", import.meta.url));
const bin = (app: string, name: string) => join(REPO_ROOT, "apps", app, "bin", `${name}.mjs`);
const log = (line: string) => console.log(line);

/** Parses the command line; exits 64 on a bad argument. */
function settings(args: readonly string[]) {
  if (args.includes("--help") || args.includes("-h")) {
    log(USAGE);
    process.exit(0);
  }
  const isQuick = args.includes("--quick");
  const values = { peers: isQuick ? 60 : 1_000, perProcess: isQuick ? 20 : 125, publishers: 20 };
  for (let index = 0; index < args.length; index++) {
    const arg = args[index] as string;
    if (arg === "--quick") continue;
    const key =
      arg === "--peers"
        ? "peers"
        : arg === "--per-process"
          ? "perProcess"
          : arg === "--publishers"
            ? "publishers"
            : undefined;
    const value = Number(args[index + 1]);
    if (key === undefined || !Number.isInteger(value) || value < 2) {
      console.error(`bench:scale: bad argument ${arg} ${args[index + 1] ?? ""}\n${USAGE}`);
      process.exit(64);
    }
    values[key] = value;
    index += 1;
  }
  values.perProcess = Math.min(values.perProcess, values.peers - 1);
  values.publishers = Math.min(values.publishers, values.peers - 1);
  return { ...values, isQuick };
}

/** `count` consecutive TCP ports free on 127.0.0.1, below the ephemeral range. */
async function portBlock(count: number, taken: Set<number>): Promise<number> {
  for (let base = 10_000; base + count < 20_000; base += count) {
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if (ports.some((port) => taken.has(port))) continue;
    if ((await Promise.all(ports.map((port) => canBind(port)))).every(Boolean)) {
      for (const port of ports) taken.add(port);
      return base;
    }
  }
  throw new Error(`no ${count} consecutive free ports between 10000 and 20000`);
}

/** Counts distinct deliveries in outputfile.txt, reading only what was appended since last time. */
function deliveryCounter(path: string) {
  const seen = new Set<string>();
  let offset = 0;
  let partial = "";
  let duplicates = 0;
  const buffer = Buffer.alloc(1 << 20);
  return {
    read(): number {
      if (!existsSync(path)) return 0;
      const fd = openSync(path, "r");
      try {
        for (;;) {
          const length = readSync(fd, buffer, 0, buffer.length, offset);
          if (length === 0) break;
          offset += length;
          const lines = (partial + buffer.toString("utf8", 0, length)).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) {
            // Peers on one IP may publish the same text in the same millisecond: origin counts too.
            const match = line.match(/\[peer (\S+)\] received from \S+ \(origin (\S+)\): (\S+:2)$/);
            if (match === null) continue;
            const key = `${match[1]} ${match[2]} ${match[3]}`;
            if (seen.has(key)) duplicates += 1;
            else seen.add(key);
          }
        }
      } finally {
        closeSync(fd);
      }
      return seen.size;
    },
    duplicates: () => duplicates,
  };
}

/** The worst host line seen: p99 and max event-loop delay (ms) of every `host:` line. */
function hostLineWatcher(hosts: readonly Child[]) {
  const delays = { p99: 0, max: 0, step: 0, stepCpu: 0, cpuLines: 0, gc: 0, lines: 0 };
  let isCounting = false;
  for (const host of hosts) {
    host.onLine((line) => {
      const match = line.match(/^host: .*p99 ([\d.]+) ms, max ([\d.]+) ms/);
      if (match === null || !isCounting) return;
      delays.lines += 1;
      delays.p99 = Math.max(delays.p99, Number(match[1]));
      delays.max = Math.max(delays.max, Number(match[2]));
      const step = line.match(/longest step ([\d.]+) ms/);
      if (step !== null) delays.step = Math.max(delays.step, Number(step[1]));
      const stepCpu = line.match(/longest step [\d.]+ ms \(([\d.]+) ms on a CPU\)/);
      if (stepCpu !== null) {
        delays.cpuLines += 1;
        delays.stepCpu = Math.max(delays.stepCpu, Number(stepCpu[1]));
      }
      const gc = line.match(/longest GC pause ([\d.]+) ms/);
      if (gc !== null) delays.gc = Math.max(delays.gc, Number(gc[1]));
    });
  }
  return { start: () => (isCounting = true), delays };
}

/** The run's directory (config.yml, seed.log, peer.log, outputfile.txt), kept after a failure. */
let runDirectory: string | undefined;

async function main(): Promise<number> {
  const run = settings(process.argv.slice(2));
  const { peers, perProcess } = run;
  const machine = machineLine(false);
  const started = performance.now();
  log(`bench:scale: ${peers} peers, ${perProcess} to a process, 3 seeds, 127.0.0.1`);
  log(`machine: ${machine}`);
  // The bins run dist/: build first (turbo replays what has not changed).
  const build = spawnSync("npx", ["-y", "pnpm@10.34.9", "build"], {
    cwd: REPO_ROOT,
    stdio: "ignore",
  });
  if (build.status !== 0) throw new Error("`pnpm build` failed; the bins cannot run");
  const directory = mkdtempSync(join(tmpdir(), "p2p-scale-"));
  runDirectory = directory;
  const config = join(directory, "config.yml");
  // Each peer publishes its first message on its first neighbour (during the joins) and its
  // second `publishAfterMs` later, after all have joined: the second ones are counted.
  // (2 cores joined 1,000 peers with 20 publishers in 71 s: the window allows 6.7 a second.)
  const publishAfterMs = Math.max(20_000, peers * 150);
  const seedPorts = await freePorts(3);
  writeFileSync(
    config,
    [
      "seeds:",
      ...seedPorts.map((port) => `  - { ip: 127.0.0.1, port: ${port} }`),
      "peer_port_range: { start: 10000, end: 20000 }",
      "initial_peers: 0",
      "timing:",
      "  gossip_message_count: 2",
      `  gossip_interval_ms: ${publishAfterMs}`,
      "",
    ].join("\n"),
  );

  // The anchor: a bare Node process of the same runtime, measured in the same run.
  const bare = spawnChild("bare node", process.execPath, ["-e", "setInterval(() => {}, 1000)"]);
  await sleep(1_000);
  const bareRss = rssBytes(bare.pid) / 1e6;

  const seeds = seedPorts.map((port) =>
    spawnChild(`seed ${port}`, process.execPath, [
      bin("seed", "seed"),
      `127.0.0.1:${port}`,
      "--config",
      config,
    ]),
  );
  await Promise.all(seeds.map((seed) => seed.waitForLine(/^ready seed /, 30_000)));
  const taken = new Set<number>(seedPorts);
  const spawnHost = async (count: number, messages: number) => {
    const base = await portBlock(count, taken);
    const args = [
      ...PEER_PROCESS_FLAGS, // the flags of the bin's #! line
      bin("peer", "peer"),
      `127.0.0.1:${base}`,
      "--config",
      config,
      "--count",
      `${count}`,
      "--messages",
      `${messages}`,
      // peer.log and the screen without a line per delivery (outputfile.txt still has each).
      "--log-level",
      "warn",
    ];
    const host = spawnChild(`peers ${base}+${count}`, process.execPath, args);
    let ready = 0;
    host.onLine((line) => {
      if (line.startsWith("ready peer ")) ready += 1;
    });
    return { host, count, ready: () => ready, isReady: () => ready === count };
  };

  // A lone peer process first: what one peer costs on its own.
  const lone = await spawnHost(1, 0);
  const joinStarted = performance.now();
  await lone.host.waitForLine(/^ready peer /, 30_000);
  await sleep(3_000);
  const loneRss = rssBytes(lone.host.pid) / 1e6;
  log(`lone peer: ${loneRss.toFixed(1)} MB (bare node ${bareRss.toFixed(1)} MB)`);

  // The publishers in one process of their own; every other peer receives and forwards only.
  const hosts = [lone, await spawnHost(run.publishers, 2)];
  for (let left = peers - 1 - run.publishers; left > 0; left -= perProcess) {
    hosts.push(await spawnHost(Math.min(perProcess, left), 0));
  }
  const watcher = hostLineWatcher(hosts.map((one) => one.host));
  const progress = setInterval(() => {
    const joined = hosts.reduce((sum, one) => sum + one.ready(), 0);
    log(`  joined: ${joined} of ${peers}`);
  }, 10_000);
  try {
    // Joining may outlast the window (then some second messages go out before every peer has
    // joined, and a late joiner has only catch-up to get them): said in the notes.
    await waitUntil(
      () => {
        const gone = hosts.find((one) => one.host.hasExited());
        if (gone !== undefined) throw new Error(`${gone.host.name} exited:\n${gone.host.tail()}`);
        return hosts.every((one) => one.isReady());
      },
      publishAfterMs + 600_000,
      `all ${peers} peers registered`,
      200,
    );
  } finally {
    clearInterval(progress);
  }
  const joinSeconds = (performance.now() - joinStarted) / 1000;
  log(`joined: ${peers} peers in ${joinSeconds.toFixed(1)} s`);
  watcher.start();
  await sleep(2_000);
  const silent = hosts.slice(2);
  if (silent.length === 0) throw new Error("no process of silent peers: raise --peers");
  const full = silent.reduce((best, one) => (one.count > best.count ? one : best));
  const fullRss = rssBytes(full.host.pid) / 1e6;
  const perPeer = (fullRss - loneRss) / (full.count - 1);
  log(
    `a process of ${full.count} peers: ${fullRss.toFixed(1)} MB, ${perPeer.toFixed(2)} MB per further peer`,
  );

  const report = JSON.parse(
    await runToEnd(
      process.execPath,
      [bin("seed", "members"), "--config", config, "--json"],
      60_000,
    ),
  ) as { isAgreed: boolean; answers: { members?: { record: { status: string } }[] }[] };
  const alive = report.answers.map(
    (answer) => answer.members?.filter((entry) => entry.record.status === "alive").length ?? 0,
  );
  log(`members: alive at each seed ${alive.join(", ")}; agreed ${report.isAgreed}`);

  const expected = run.publishers * (peers - 1);
  const counter = deliveryCounter(join(directory, "outputfile.txt"));
  const deadline = Date.now() + publishAfterMs + 180_000;
  let delivered = counter.read();
  while (delivered < expected && Date.now() < deadline) {
    await sleep(2_000);
    delivered = counter.read();
    log(`  deliveries: ${delivered} of ${expected}`);
  }
  await sleep(11_000); // one more host line after the last delivery
  if (delivered === 0) throw new Error("no message was delivered at all");
  if (watcher.delays.lines === 0) throw new Error("no host line was printed");
  if (watcher.delays.cpuLines === 0)
    throw new Error(
      "no host line gave a step's time on a CPU (it needs Linux's /proc/thread-self)",
    );

  const figures: Figure[] = [
    {
      name: "RSS of a lone peer process",
      unit: "MB",
      p2p: loneRss,
      anchorName: "bare node",
      anchor: bareRss,
      target: { kind: "absolute", max: 50 },
    },
    {
      name: `RSS per further peer (a process of ${full.count})`,
      unit: "MB",
      p2p: perPeer,
      anchorName: "lone peer",
      anchor: loneRss,
      target: { kind: "absolute", max: 5 },
    },
    {
      name: `join: ${peers} peers all registered`,
      unit: "s",
      p2p: joinSeconds,
      anchorName: "—",
      anchor: "—",
    },
    {
      name: "messages delivered (each publisher's 2nd message, at every other peer)",
      unit: "%",
      p2p: (100 * delivered) / expected,
      anchorName: "—",
      anchor: "—",
    },
    {
      name: "event loop delay, worst p99 of any host (10 s windows)",
      unit: "ms",
      p2p: watcher.delays.p99,
      anchorName: "—",
      anchor: "—",
      target: { kind: "absolute", max: 20 },
    },
    {
      name: "event loop delay, worst max of any host",
      unit: "ms",
      p2p: watcher.delays.max,
      anchorName: "—",
      anchor: "—",
      target: { kind: "absolute", max: 20 },
    },
    {
      name: "longest protocol step of any peer, on a CPU (one frame or timer, all it causes)",
      unit: "ms",
      p2p: watcher.delays.stepCpu,
      anchorName: "—",
      anchor: "—",
      target: { kind: "absolute", max: 20 },
    },
    {
      name: "longest protocol step of any peer, wall time (with waits for a CPU)",
      unit: "ms",
      p2p: watcher.delays.step,
      anchorName: "—",
      anchor: "—",
    },
    {
      name: "longest garbage-collection pause of any host",
      unit: "ms",
      p2p: watcher.delays.gc,
      anchorName: "—",
      anchor: "—",
    },
  ];
  const notes = [
    ...(joinSeconds * 1000 > publishAfterMs
      ? [
          `joining took longer than the ${publishAfterMs / 1000} s before the second messages: late joiners got some of them only by catch-up`,
        ]
      : []),
    `${peers} peers in ${hosts.length} processes (a lone one, ${run.publishers} publishers in one, then up to ${perProcess} each), 3 seeds, default timing profile`,
    `members: alive at each seed ${alive.join(", ")}, agreed: ${report.isAgreed}`,
    `deliveries: ${delivered} of ${expected} distinct, ${counter.duplicates()} duplicate lines`,
    "the event-loop delay includes time a host waited for a CPU: the run has more busy processes than cores",
    `run took ${((performance.now() - started) / 1000).toFixed(0)} s`,
  ];
  log("");
  for (const line of textTable(figures)) log(line);
  log("");
  for (const note of notes) log(`- ${note}`);
  writeMarkdown(RESULTS, `bench:scale — ${peers} TCP peers`, machine, figures, notes);
  log(`\nwritten to ${RESULTS}`);
  killAll();
  rmSync(directory, { recursive: true, force: true });
  return 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`bench:scale failed: ${error instanceof Error ? error.message : String(error)}`);
    if (runDirectory !== undefined) console.error(`the run's files are kept in ${runDirectory}`);
    killAll();
    process.exit(1);
  },
);
