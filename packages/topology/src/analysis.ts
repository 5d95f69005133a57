import { P2pError } from "@p2p/wire";
import type { CcdfPoint } from "./degree-distribution.js";
import { degreeCcdf } from "./degree-distribution.js";
import type { TopologyErrorCode } from "./errors.js";
import {
  averageClustering,
  connectedComponents,
  degrees,
  estimateDiameter,
  type Graph,
} from "./graph.js";
import {
  compareAlternatives,
  type GoodnessOfFit,
  type LikelihoodRatioTest,
  powerLawGoodnessOfFit,
} from "./power-law.js";
import { createSeededRandom } from "./random.js";
import { hurwitzZeta } from "./special-functions.js";

/** Everything known about one overlay: its power-law fit and its connectivity. */
export interface TopologyReport {
  readonly nodeCount: number;
  readonly edgeCount: number;
  readonly isolatedCount: number;
  readonly maxDegree: number;
  readonly meanDegree: number;
  readonly goodness: GoodnessOfFit;
  readonly alternatives: readonly LikelihoodRatioTest[];
  readonly componentCount: number;
  readonly largestComponent: number;
  readonly diameter: number;
  readonly isDiameterExact: boolean;
  readonly clustering: number;
  /** Observed CCDF over nodes with degree ≥ 1. */
  readonly ccdf: readonly CcdfPoint[];
  /** Fitted power-law CCDF (scaled to the tail's share), log-spaced from xmin to the max degree. */
  readonly fittedCcdf: readonly { degree: number; fraction: number }[];
}

/** Analyses a graph: the power-law fit with bootstrap p and alternatives, and connectivity. */
export function analyseGraph(
  graph: Graph,
  options: { seed: number; bootstrap: number; onBootstrap?: (done: number, total: number) => void },
): TopologyReport {
  const degreeList = degrees(graph);
  const positive = degreeList.filter((degree) => degree > 0);
  if (positive.length < 2) {
    throw new P2pError<TopologyErrorCode>(
      "ARGUMENT_INVALID",
      "the graph needs at least two connected nodes to fit a degree distribution",
    );
  }
  const goodness = powerLawGoodnessOfFit(positive, createSeededRandom(options.seed ^ 0x5eed), {
    bootstrapSamples: options.bootstrap,
    ...(options.onBootstrap === undefined ? {} : { onProgress: options.onBootstrap }),
  });
  const { fit } = goodness;
  const alternatives = compareAlternatives(positive, fit);
  const components = connectedComponents(graph);
  const diameter = estimateDiameter(graph, { random: createSeededRandom(options.seed ^ 0xd1a) });
  let maxDegree = 0;
  for (const degree of positive) maxDegree = Math.max(maxDegree, degree);
  const tailShare = fit.tailCount / positive.length;
  const norm = hurwitzZeta(fit.alpha, fit.xmin);
  const fittedCcdf: { degree: number; fraction: number }[] = [];
  const steps = 40;
  let previous = -1;
  for (let i = 0; i <= steps; i++) {
    const degree = Math.round(
      fit.xmin * (Math.max(maxDegree, fit.xmin + 1) / fit.xmin) ** (i / steps),
    );
    if (degree === previous) continue;
    previous = degree;
    fittedCcdf.push({ degree, fraction: (tailShare * hurwitzZeta(fit.alpha, degree)) / norm });
  }
  return {
    nodeCount: graph.nodeCount,
    edgeCount: graph.edgeSources.length,
    isolatedCount: graph.nodeCount - positive.length,
    maxDegree,
    meanDegree: (2 * graph.edgeSources.length) / Math.max(graph.nodeCount, 1),
    goodness,
    alternatives,
    componentCount: components.count,
    largestComponent: components.sizes[0] ?? 0,
    diameter: diameter.diameter,
    isDiameterExact: diameter.isExact,
    clustering: averageClustering(graph),
    ccdf: degreeCcdf(positive),
    fittedCcdf,
  };
}

/**
 * Below this many connected nodes a degree-distribution fit says nothing (the tail holds a
 * handful of nodes and any exponent fits), so no verdict is given.
 */
export const MIN_NODES_FOR_FIT = 50;

/** What {@link verdict} says below {@link MIN_NODES_FOR_FIT} connected nodes (`count` of them). */
export function tooFewForFit(count: number): string {
  return `power law: not meaningful yet — ${count} connected nodes; a fit needs at least ${MIN_NODES_FOR_FIT}`;
}

/**
 * The plain-words power-law verdict, e.g. "power law: α = 2.87 ± 0.04, xmin = 6, p = 0.42 —
 * consistent"; below {@link MIN_NODES_FOR_FIT} connected nodes, that a fit is not meaningful yet.
 */
export function verdict(goodness: GoodnessOfFit): string {
  const { fit, p } = goodness;
  if (fit.sampleCount < MIN_NODES_FOR_FIT) return tooFewForFit(fit.sampleCount);
  const judgement =
    p >= 0.1 ? "consistent" : "rejected (p < 0.1: the degrees are not a power law at this xmin)";
  return `power law: α = ${fit.alpha.toFixed(2)} ± ${fit.alphaStandardError.toFixed(2)}, xmin = ${fit.xmin}, p = ${p.toFixed(2)} — ${judgement}`;
}

/** The whole report as text lines for the terminal. */
export function formatReport(report: TopologyReport): string[] {
  const { goodness } = report;
  const lines = [
    `nodes ${report.nodeCount}, edges ${report.edgeCount}, mean degree ${report.meanDegree.toFixed(2)}, max degree ${report.maxDegree}` +
      (report.isolatedCount > 0 ? `, isolated ${report.isolatedCount}` : ""),
    verdict(goodness),
  ];
  const isMeaningful = goodness.fit.sampleCount >= MIN_NODES_FOR_FIT;
  if (isMeaningful) {
    lines.push(
      `  tail: ${goodness.fit.tailCount} of ${goodness.fit.sampleCount} nodes, KS distance ${goodness.fit.ks.toFixed(4)}, ${goodness.bootstrapSamples} bootstrap samples`,
    );
  }
  for (const test of isMeaningful ? report.alternatives : []) {
    const reading =
      test.favours === "inconclusive"
        ? "inconclusive"
        : test.favours === "power-law"
          ? "favours the power law"
          : `favours the ${test.alternative}`;
    lines.push(
      `  vs ${test.alternative}: log-likelihood ratio ${test.logLikelihoodRatio.toFixed(1)}, p = ${test.p.toFixed(3)} — ${reading}`,
    );
  }
  lines.push(
    report.componentCount === 1
      ? "connected: yes (1 component)"
      : `connected: no (${report.componentCount} components, largest ${report.largestComponent} nodes)`,
    `diameter: ${report.diameter}${report.isDiameterExact ? "" : " (double-sweep lower bound)"}`,
    `average clustering: ${report.clustering.toFixed(4)}`,
  );
  return lines;
}
