export { hostOf, portOf } from "./address.js";
export type { Link, LinkInput, SimulationConfig, SimulationConfigInput } from "./config.js";
export { LinkSchema, SimulationConfigSchema } from "./config.js";
export type { SimErrorCode } from "./errors.js";
export type { PartitionHandle, PartitionOptions } from "./faults.js";
export type { RunUntilIdleOptions, RunUntilOptions } from "./scheduler.js";
export { forEachSeed, parseSeed, SeedFailure, seededRun } from "./seeded.js";
export type {
  DropCause,
  MessageHandler,
  Simulation,
  SimulationStats,
} from "./simulation.js";
export { createSimulation } from "./simulation.js";
