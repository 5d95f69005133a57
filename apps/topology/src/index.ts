export type { CliIo } from "./cli.js";
export { createProgram, runCli } from "./cli.js";
export type { NamedGraph } from "./edges.js";
export { parseEdges } from "./edges.js";
export type { Layout } from "./layout.js";
export { forceLayout } from "./layout.js";
