import { err, formatAddress, ok, P2pError, parseAddress, type Result } from "@p2p/wire";

/** A node address split into its parts; `ip` has no brackets, even for IPv6. */
export interface NodeEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** True when `port` is an integer TCP port 1–65535. */
export function isPort(port: unknown): port is number {
  return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/**
 * Parses a node address: `ip:port` or `[ipv6]:port`, port 1–65535, through `parseAddress`
 * of `@p2p/wire`. A node's address is its identity, so only IP addresses (no host names)
 * written in canonical form (as `formatNodeAddress` writes them) are accepted. Errors are
 * `ADDRESS_INVALID` with a message saying what is wrong.
 */
export function parseNodeAddress(text: string): Result<NodeEndpoint, P2pError> {
  const parsed = parseAddress(text);
  if (!parsed.ok) return parsed;
  const { host, port, family } = parsed.value;
  if (family === "hostname") {
    return err(
      new P2pError(
        "ADDRESS_INVALID",
        `${JSON.stringify(text)} names a host; expected an IP address (ip:port or [ipv6]:port)`,
      ),
    );
  }
  const canonical = formatAddress({ host, port });
  if (canonical !== text) {
    return err(
      new P2pError(
        "ADDRESS_INVALID",
        `${JSON.stringify(text)} is not in canonical form; write ${JSON.stringify(canonical)}`,
      ),
    );
  }
  return ok({ ip: host, port });
}

/**
 * Checks the IP part of a node address on its own (`127.0.0.1`, `::1`; no brackets) and
 * returns it as written in addresses, e.g. IPv6 in lower case.
 */
export function parseNodeIp(text: string): Result<string, P2pError> {
  const parsed = parseAddress(formatAddress({ host: text, port: 1 }));
  if (!parsed.ok || parsed.value.family === "hostname") {
    return err(
      new P2pError(
        "ADDRESS_INVALID",
        `${JSON.stringify(text)} is not an IP address; expected IPv4 like 127.0.0.1 or IPv6 like ::1`,
      ),
    );
  }
  return ok(parsed.value.host);
}

/** Formats an endpoint as the address that identifies a node: `ip:port` or `[ipv6]:port`. */
export function formatNodeAddress(endpoint: NodeEndpoint): string {
  return formatAddress({ host: endpoint.ip, port: endpoint.port });
}
