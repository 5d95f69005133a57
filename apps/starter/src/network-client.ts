/** What the starter knows about the running network when it asks about it. */
export interface NetworkView {
  /** Addresses of the seeds that are running. */
  readonly seeds: readonly string[];
  /** Addresses of the peers that are running. */
  readonly peers: readonly string[];
  /** The config.yml the network was started with. */
  readonly configPath: string;
}

/**
 * Asks the running network about itself for the `members` and `topology` commands.
 * Each method returns the lines to print.
 */
export interface NetworkClient {
  /** Each seed's member list and whether the seeds agree. */
  members(view: NetworkView): Promise<readonly string[]>;
  /** Degree statistics of the live overlay (and where a plot was written). */
  topology(view: NetworkView): Promise<readonly string[]>;
}

/** The client used while the seed app cannot answer these questions yet. */
export const unavailableNetworkClient: NetworkClient = {
  members: async () => ["members: not available until the seed app is built"],
  topology: async () => ["topology: not available until the seed app is built"],
};
