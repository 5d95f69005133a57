import { join } from "node:path";
import { P2pError } from "@p2p/wire";
import { parseNodeAddress } from "./address.js";

/**
 * The directory holding one node's durable state: `<dataDir>/<role>-<ip>-<port>`, with the
 * colons of an IPv6 address written as `_` (`seed-__1-5000` for `[::1]:5000`), so the name is
 * valid on every file system. The seed app keeps its acceptor state there; the starter clears
 * it before a fresh start and keeps it when it revives a node. Throws `ADDRESS_INVALID` for a
 * bad address.
 */
export function nodeDataDirectory(dataDir: string, role: "seed" | "peer", address: string): string {
  const endpoint = parseNodeAddress(address);
  if (!endpoint.ok) {
    throw new P2pError(
      "ADDRESS_INVALID",
      `nodeDataDirectory: ${JSON.stringify(address)} is not an ip:port address (${endpoint.error.message})`,
      { cause: endpoint.error },
    );
  }
  const { ip, port } = endpoint.value;
  return join(dataDir, `${role}-${ip.replaceAll(":", "_")}-${port}`);
}
