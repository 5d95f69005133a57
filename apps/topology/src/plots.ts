import type { Graph, TopologyReport } from "@p2p/topology";
import { Resvg } from "@resvg/resvg-js";
import { parse, type Spec, View } from "vega";
import type { Layout } from "./layout.js";

const FONT = "DejaVu Sans";
const config = {
  font: FONT,
  background: "white",
  title: { fontSize: 16 },
  axis: { labelFontSize: 12, titleFontSize: 13, gridColor: "#e5e5e5" },
};

/** Renders a Vega spec to SVG (View.toSVG, headless). */
export async function renderSvg(spec: Spec): Promise<string> {
  const view = new View(parse(spec), { renderer: "none" });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Rasterises an SVG to PNG with resvg (system fonts). */
export function svgToPng(svg: string, width = 1400): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: "width", value: width },
    font: { loadSystemFonts: true, defaultFontFamily: FONT },
    background: "white",
  });
  return resvg.render().asPng();
}

/** Degree CCDF on log-log axes with the fitted power law from xmin. */
export function ccdfSpec(report: TopologyReport, title: string): Spec {
  const { fit } = report.goodness;
  const minFraction = Math.min(...report.ccdf.map((point) => point.fraction));
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: 640,
    height: 440,
    padding: 16,
    config,
    title: {
      text: title,
      subtitle: `P(degree ≥ d); fitted α = ${fit.alpha.toFixed(2)} from xmin = ${fit.xmin}`,
    },
    data: [
      { name: "observed", values: report.ccdf.map((point) => ({ ...point })) },
      { name: "fitted", values: report.fittedCcdf.map((point) => ({ ...point })) },
    ],
    scales: [
      {
        name: "x",
        type: "log",
        domain: [1, Math.max(report.maxDegree, 2) * 1.3],
        range: "width",
        nice: true,
      },
      { name: "y", type: "log", domain: [minFraction / 2, 1], range: "height", nice: true },
      {
        name: "colour",
        type: "ordinal",
        domain: ["observed degrees", "fitted power law"],
        range: ["#1f77b4", "#d62728"],
      },
    ],
    axes: [
      { orient: "bottom", scale: "x", title: "degree d", grid: true, format: "~s" },
      {
        orient: "left",
        scale: "y",
        title: "fraction of nodes with degree ≥ d",
        grid: true,
        format: "~g",
      },
    ],
    legends: [{ fill: "colour", orient: "top-right", labelFontSize: 12 }],
    marks: [
      {
        type: "symbol",
        from: { data: "observed" },
        encode: {
          enter: {
            x: { scale: "x", field: "degree" },
            y: { scale: "y", field: "fraction" },
            size: { value: 30 },
            fill: { value: "#1f77b4" },
            fillOpacity: { value: 0.8 },
          },
        },
      },
      {
        type: "line",
        from: { data: "fitted" },
        encode: {
          enter: {
            x: { scale: "x", field: "degree" },
            y: { scale: "y", field: "fraction" },
            stroke: { value: "#d62728" },
            strokeWidth: { value: 2.5 },
          },
        },
      },
    ],
  } as Spec;
}

/** A node-link drawing of the overlay: positions from `layout`, node size and colour by degree. */
export function overlaySpec(
  graph: Graph,
  layout: Layout,
  degreeList: ArrayLike<number>,
  title: string,
): Spec {
  const nodes = Array.from({ length: graph.nodeCount }, (_, v) => ({
    x: layout.x[v] as number,
    y: layout.y[v] as number,
    degree: degreeList[v] as number,
  }));
  // draw hubs last so they sit on top
  nodes.sort((a, b) => a.degree - b.degree);
  const links = Array.from(graph.edgeSources, (a, e) => {
    const b = graph.edgeTargets[e] as number;
    return {
      x: layout.x[a] as number,
      y: layout.y[a] as number,
      x2: layout.x[b] as number,
      y2: layout.y[b] as number,
    };
  });
  let maxDegree = 1;
  for (let v = 0; v < graph.nodeCount; v++)
    maxDegree = Math.max(maxDegree, degreeList[v] as number);
  return {
    $schema: "https://vega.github.io/schema/vega/v6.json",
    width: 700,
    height: 700,
    padding: 16,
    config,
    title: { text: title, subtitle: "node area and colour by degree" },
    data: [
      { name: "links", values: links },
      { name: "nodes", values: nodes },
    ],
    scales: [
      {
        name: "x",
        type: "linear",
        domain: { data: "nodes", field: "x" },
        range: "width",
        zero: false,
        nice: false,
      },
      {
        name: "y",
        type: "linear",
        domain: { data: "nodes", field: "y" },
        range: "height",
        zero: false,
        nice: false,
      },
      { name: "size", type: "linear", domain: [1, maxDegree], range: [10, 700] },
      {
        name: "colour",
        type: "linear",
        domain: [1, maxDegree],
        range: { scheme: "viridis" },
        reverse: true,
      },
    ],
    legends: [{ fill: "colour", title: "degree", orient: "right", type: "gradient" }],
    marks: [
      {
        type: "rule",
        from: { data: "links" },
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "y" },
            x2: { scale: "x", field: "x2" },
            y2: { scale: "y", field: "y2" },
            stroke: { value: "#8a8a8a" },
            strokeOpacity: { value: 0.45 },
            strokeWidth: { value: 0.8 },
          },
        },
      },
      {
        type: "symbol",
        from: { data: "nodes" },
        encode: {
          enter: {
            x: { scale: "x", field: "x" },
            y: { scale: "y", field: "y" },
            size: { scale: "size", field: "degree" },
            fill: { scale: "colour", field: "degree" },
            stroke: { value: "white" },
            strokeWidth: { value: 0.6 },
          },
        },
      },
    ],
  } as Spec;
}
