import { isIPv4 } from "node:net";

/** A node address split into its parts. */
export interface NodeEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** True when `port` is an integer TCP port 1–65535. */
export function isPort(port: unknown): port is number {
  return typeof port === "number" && Number.isInteger(port) && port >= 1 && port <= 65535;
}

/** Parses an `ip:port` node address (IPv4, port 1–65535); undefined when it is not one. */
export function parseNodeAddress(text: string): NodeEndpoint | undefined {
  const match = /^(\d{1,3}(?:\.\d{1,3}){3}):(\d{1,5})$/.exec(text);
  if (match === null) return undefined;
  const ip = match[1] ?? "";
  const port = Number(match[2]);
  if (!isIPv4(ip) || !isPort(port)) return undefined;
  return { ip, port };
}

/** Formats an endpoint as the `ip:port` string that identifies a node. */
export function formatNodeAddress(endpoint: NodeEndpoint): string {
  return `${endpoint.ip}:${endpoint.port}`;
}
