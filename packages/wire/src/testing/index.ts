export { testTranscripts } from "./transcript-files.js";
export type { TransportHarness } from "./transport-contract.js";
export { runTransportContract } from "./transport-contract.js";
