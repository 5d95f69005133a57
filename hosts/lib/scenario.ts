/** What every scenario module exports, and what it reports. */
import type { Network } from "./net.js";

/** The run's options, from the command line. */
export interface RunOptions {
  /** Peers of scenario 1 (default 30); the others scale from it where they say so. */
  readonly peers: number;
  /** Multiplies every scenario's stated duration (0.1 runs scenario 2 for 30 s). */
  readonly durationScale: number;
  /** Registrations of scenario 4's storm (default 1,000). */
  readonly joins: number;
}

/** What a scenario gets: a fresh network of namespaces, a directory, the options, a logger. */
export interface ScenarioContext {
  readonly network: Network;
  readonly directory: string;
  readonly options: RunOptions;
  log(line: string): void;
}

/** A scenario's report; it passes when `violations` is empty. */
export interface ScenarioReport {
  /** The faults injected, in a few words. */
  readonly faults: string;
  /** What was done and checked, counted (joins, messages, restarts, …). */
  readonly operations: string;
  /** Every broken promise, one line each. */
  readonly violations: string[];
  /** How delay was made: "none" or the relay's parameters. */
  readonly delay: string;
  /** Measurements worth reporting (e.g. the longest wait for agreement). */
  readonly notes?: string;
}

/** One scenario: its number, a title, and the run. */
export interface Scenario {
  readonly id: number;
  readonly title: string;
  run(context: ScenarioContext): Promise<ScenarioReport>;
}
