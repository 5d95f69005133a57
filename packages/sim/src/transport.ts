import type { Transport } from "@p2p/wire";
import { P2pError } from "@p2p/wire";
import type { SimulationCore } from "./simulation.js";

/** The stream transports of one simulation. */
export interface TransportNetwork {
  transport(owner: string): Transport;
  faultsChanged(): void;
}

/** Creates the stream transport layer over the simulation core. */
export function createTransportNetwork(_core: SimulationCore): TransportNetwork {
  return {
    transport() {
      throw new P2pError(
        "SIM_NOT_IMPLEMENTED",
        "the simulated stream transport is not available yet",
      );
    },
    faultsChanged() {},
  };
}
