export type { RandomSource } from "@p2p/wire";
export type { TopologyReport } from "./analysis.js";
export {
  analyseGraph,
  formatReport,
  MIN_NODES_FOR_FIT,
  tooFewForFit,
  verdict,
} from "./analysis.js";
export type { CcdfPoint, HistogramBin } from "./degree-distribution.js";
export { degreeCcdf, degreeHistogram } from "./degree-distribution.js";
export type { TopologyErrorCode } from "./errors.js";
export type { Components, DiameterEstimate, DiameterOptions, Graph } from "./graph.js";
export {
  averageClustering,
  connectedComponents,
  createGraph,
  degrees,
  distancesFrom,
  estimateDiameter,
} from "./graph.js";
export type { GrowNetworkInput } from "./grow.js";
export {
  DEFAULT_EXPONENT,
  exponentOfShift,
  growNetwork,
  growUniformNetwork,
  shiftForExponent,
} from "./grow.js";
export type { DegreeSummary, LiveOverlay, OverlayMember } from "./live-overlay.js";
export { degreeSummary, formatDegreeSummary, liveOverlay } from "./live-overlay.js";
export type { OverlayMessage } from "./messages.js";
export {
  NeighbourRefusedSchema,
  NeighbourRequestSchema,
  OverlayMessageSchema,
} from "./messages.js";
export type {
  DirectoryMember,
  NeighbourRefusalReason,
  Overlay,
  OverlayConfig,
  OverlayConfigInput,
  OverlayEvent,
  OverlayInput,
  OverlayOutput,
  OverlayView,
} from "./overlay.js";
export { createOverlay, degreesOf, OverlayConfigSchema } from "./overlay.js";
export type {
  AlternativeName,
  FitOptions,
  GoodnessOfFit,
  GoodnessOfFitOptions,
  LikelihoodRatioTest,
  PowerLawFit,
} from "./power-law.js";
export {
  compareAlternatives,
  createPowerLawSampler,
  fitPowerLaw,
  powerLawGoodnessOfFit,
} from "./power-law.js";
export { createSeededRandom } from "./random.js";
export type { ChooseNeighboursInput, NeighbourCandidate } from "./selection.js";
export { chooseNeighbours } from "./selection.js";
export { erfc, hurwitzZeta, logErfc } from "./special-functions.js";
