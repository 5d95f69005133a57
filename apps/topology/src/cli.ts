import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { packageVersion } from "@p2p/cli-support";
import {
  analyseGraph,
  createSeededRandom,
  DEFAULT_EXPONENT,
  degrees,
  formatReport,
  type Graph,
  growNetwork,
  shiftForExponent,
  type TopologyReport,
} from "@p2p/topology";
import { SingleBar } from "cli-progress";
import { Command, CommanderError } from "commander";
import {
  AnalyzeOptionsSchema,
  CliError,
  EXIT_NO_INPUT,
  EXIT_USAGE,
  parseOptions,
  SimulateOptionsSchema,
} from "./args.js";
import { parseEdges } from "./edges.js";
import { forceLayout } from "./layout.js";
import { ccdfSpec, overlaySpec, renderSvg, svgToPng } from "./plots.js";

/** Where the CLI writes: injectable for tests. */
export interface CliIo {
  readonly stdout: (line: string) => void;
  readonly stderr: NodeJS.WriteStream | { write(text: string): boolean; isTTY?: boolean };
}

const defaultIo: CliIo = { stdout: (line) => console.log(line), stderr: process.stderr };

function progressBar(io: CliIo, label: string, total: number): SingleBar | undefined {
  if (!io.stderr.isTTY) return undefined;
  const bar = new SingleBar({
    format: `${label} [{bar}] {percentage}% | {value}/{total} | eta {eta}s`,
    stream: io.stderr as NodeJS.WriteStream,
    hideCursor: true,
  });
  bar.start(total, 0);
  return bar;
}

async function report(
  graph: Graph,
  title: string,
  options: { seed: number; bootstrap: number; out: string; drawMaxNodes: number },
  io: CliIo,
): Promise<TopologyReport> {
  const bar = progressBar(io, "bootstrap", options.bootstrap);
  const result = analyseGraph(graph, {
    seed: options.seed,
    bootstrap: options.bootstrap,
    ...(bar === undefined ? {} : { onBootstrap: (done: number) => bar.update(done) }),
  });
  bar?.stop();
  for (const line of formatReport(result)) io.stdout(line);

  mkdirSync(options.out, { recursive: true });
  const written: string[] = [];
  const write = async (name: string, spec: Parameters<typeof renderSvg>[0]) => {
    const svg = await renderSvg(spec);
    writeFileSync(join(options.out, `${name}.svg`), svg);
    writeFileSync(join(options.out, `${name}.png`), svgToPng(svg));
    written.push(join(options.out, `${name}.svg`), join(options.out, `${name}.png`));
  };
  await write("degree-ccdf", ccdfSpec(result, `Degree distribution — ${title}`));
  if (graph.nodeCount <= options.drawMaxNodes) {
    const layout = forceLayout(graph, createSeededRandom(options.seed ^ 0x1a7));
    await write("overlay", overlaySpec(graph, layout, degrees(graph), `Overlay — ${title}`));
  } else {
    io.stdout(
      `overlay drawing skipped: ${graph.nodeCount} nodes > --draw-max-nodes ${options.drawMaxNodes}`,
    );
  }
  writeFileSync(
    join(options.out, "report.json"),
    `${JSON.stringify(
      {
        title,
        nodes: result.nodeCount,
        edges: result.edgeCount,
        fit: result.goodness.fit,
        p: result.goodness.p,
        bootstrapSamples: result.goodness.bootstrapSamples,
        alternatives: result.alternatives,
        components: result.componentCount,
        diameter: result.diameter,
        isDiameterExact: result.isDiameterExact,
        clustering: result.clustering,
      },
      null,
      2,
    )}\n`,
  );
  io.stdout(`wrote ${[...written, join(options.out, "report.json")].join(", ")}`);
  return result;
}

/** Builds the `topology` command (commander), wired to `io`. */
export function createProgram(io: CliIo = defaultIo): Command {
  const program = new Command("p2p-topology")
    .version(packageVersion(import.meta.url))
    .description(
      "Grow or analyse a peer overlay and test whether its degree distribution is a power law.",
    )
    .exitOverride()
    .configureOutput({ writeErr: () => {}, writeOut: (text) => io.stdout(text.trimEnd()) });
  const shared = (command: Command) =>
    command
      .option("--seed <seed>", "random seed (growth, bootstrap, layout)", "1")
      .option("--out <dir>", "directory for plots and report.json", "topology-out")
      .option("--bootstrap <count>", "bootstrap samples for the goodness-of-fit p-value", "200")
      .option("--draw-max-nodes <count>", "draw the overlay only up to this many nodes", "500");
  shared(
    program
      .command("simulate")
      .description(
        "grow an overlay the way peers join (each picks k neighbours ∝ degree + k(α − 3)) and analyse it",
      )
      .requiredOption("--nodes <count>", "number of peers")
      .option("--k <count>", "neighbours each joining peer picks", "2")
      .option(
        "--exponent <alpha>",
        "the degree exponent α the peers aim at (> 2)",
        String(DEFAULT_EXPONENT),
      ),
  ).action(async (raw: Record<string, unknown>) => {
    const options = parseOptions(SimulateOptionsSchema, raw);
    const bar = options.nodes >= 100_000 ? progressBar(io, "growing", options.nodes) : undefined;
    const graph = growNetwork({
      nodes: options.nodes,
      k: options.k,
      random: createSeededRandom(options.seed),
      shift: shiftForExponent(options.exponent, options.k),
      ...(bar === undefined ? {} : { onProgress: (joined: number) => bar.update(joined) }),
    });
    bar?.stop();
    await report(
      graph,
      `${options.nodes} nodes, k = ${options.k}, target α = ${options.exponent}, seed ${options.seed}`,
      options,
      io,
    );
  });
  shared(
    program
      .command("analyze")
      .description("analyse a live network's edge list (.json or .csv)")
      .argument("<edges>", "edge list file: edges.json or edges.csv"),
  ).action(async (file: string, raw: Record<string, unknown>) => {
    const options = parseOptions(AnalyzeOptionsSchema, { ...raw, file });
    let text: string;
    try {
      text = readFileSync(options.file, "utf8");
    } catch (error) {
      throw new CliError(
        `cannot read ${options.file}: ${(error as NodeJS.ErrnoException).code ?? "error"}`,
        EXIT_NO_INPUT,
      );
    }
    const { graph } = parseEdges(
      text,
      options.file.toLowerCase().endsWith(".csv") ? "csv" : "json",
    );
    await report(graph, options.file, options, io);
  });
  return program;
}

/** Runs the CLI on `argv` (without node and script) and returns the exit code. */
export async function runCli(argv: readonly string[], io: CliIo = defaultIo): Promise<number> {
  const program = createProgram(io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return 0;
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.exitCode === 0) return 0; // --help, --version
      const message = error.message.replace(/^error: /, "");
      io.stderr.write(`topology: ${message} (see topology --help)\n`);
      return EXIT_USAGE;
    }
    if (error instanceof CliError) {
      for (const line of error.message.split("\n")) io.stderr.write(`topology: ${line}\n`);
      return error.exitCode;
    }
    io.stderr.write(`topology: unexpected error: ${(error as Error).message}\n`);
    return 1;
  }
}
