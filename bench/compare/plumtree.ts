// The Plumtree phase: a second p2p network of the same size with `gossip_forwarding:
// plumtree` (an eager tree with lazy repair), started after the membership phase has stopped,
// measured for dissemination the same way as the flooding network.
import {
  type DisseminationWindows,
  disseminationWindows,
  growNetwork,
  requireAgreed,
} from "./membership.js";
import { P2pNetwork } from "./p2p.js";

/** How big the network is and how long its dissemination windows. */
export interface PlumtreeSettings {
  readonly peers: number;
  readonly messageCount: number;
  readonly windowSeconds: number;
  /** How long the youngest peer runs before the steady-state window opens. */
  readonly settleSeconds: number;
}

/**
 * Starts 3 seeds and `peers` peers forwarding by Plumtree in `directory`, and measures the
 * messages stamped in the two windows of {@link disseminationWindows}; `log` prints progress.
 * Every process is killed before it returns.
 */
export async function measurePlumtree(
  directory: string,
  settings: PlumtreeSettings,
  log: (line: string) => void,
): Promise<DisseminationWindows> {
  const p2p = new P2pNetwork(directory, settings.messageCount, "plumtree");
  try {
    await p2p.startSeeds();
    await growNetwork(p2p, settings.peers);
    await requireAgreed(p2p, settings.peers);
    log(
      `  ${settings.peers} peers registered (seeds agree); windows of ${settings.windowSeconds} s`,
    );
    return await disseminationWindows(p2p, settings, log);
  } finally {
    p2p.stop();
  }
}
