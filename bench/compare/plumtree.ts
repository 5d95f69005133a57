// The Plumtree phase: a second p2p network of the same size with `gossip_forwarding:
// plumtree` (an eager tree with lazy repair), started after the membership phase has stopped,
// measured for dissemination the same way as the flooding network.
import { growNetwork, p2pDissemination, requireAgreed } from "./membership.js";
import type { Dissemination } from "./observations.js";
import { P2pNetwork } from "./p2p.js";
import { sleep } from "./processes.js";

/** How big the network is and how long its dissemination window. */
export interface PlumtreeSettings {
  readonly peers: number;
  readonly messageCount: number;
  readonly windowSeconds: number;
}

/**
 * Starts 3 seeds and `peers` peers forwarding by Plumtree in `directory`, and measures the
 * messages stamped in a window of `windowSeconds`; `log` prints progress. Every process is
 * killed before it returns.
 */
export async function measurePlumtree(
  directory: string,
  settings: PlumtreeSettings,
  log: (line: string) => void,
): Promise<Dissemination> {
  const p2p = new P2pNetwork(directory, settings.messageCount, "plumtree");
  try {
    await p2p.startSeeds();
    await growNetwork(p2p, settings.peers);
    await requireAgreed(p2p, settings.peers);
    log(
      `  ${settings.peers} peers registered (seeds agree); window of ${settings.windowSeconds} s`,
    );
    const windowStart = Date.now() + 1000;
    await sleep(1000 + settings.windowSeconds * 1000);
    return await p2pDissemination(p2p, windowStart, Date.now());
  } finally {
    p2p.stop();
  }
}
