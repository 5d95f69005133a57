import { join } from "node:path";
import { P2pError } from "@p2p/wire";
import { parseNodeAddress } from "./address.js";

/**
 * The directory holding one node's durable state: `<dataDir>/<role>-<ip>-<port>`.
 * The seed app keeps its acceptor state there; the starter clears it before a fresh start
 * and keeps it when it revives a node. Throws `INVALID_ADDRESS` for a bad address.
 */
export function nodeDataDirectory(dataDir: string, role: "seed" | "peer", address: string): string {
  const endpoint = parseNodeAddress(address);
  if (endpoint === undefined) {
    throw new P2pError(
      "INVALID_ADDRESS",
      `nodeDataDirectory: ${JSON.stringify(address)} is not an ip:port address`,
    );
  }
  return join(dataDir, `${role}-${endpoint.ip}-${endpoint.port}`);
}
