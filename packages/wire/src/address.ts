import { z } from "zod";
import { err, ok, P2pError, type Result, type WireErrorCode } from "./errors.js";

/** The kind of host in an address. */
export type AddressFamily = "ipv4" | "ipv6" | "hostname";

/** A parsed `host:port` address. `host` has no brackets, even for IPv6. */
export interface ParsedAddress {
  readonly host: string;
  readonly port: number;
  readonly family: AddressFamily;
}

/** Options for {@link parseAddress}. */
export interface ParseAddressOptions {
  /** Accept port 0 ("any free port"), for listening. Default false. */
  readonly allowPortZero?: boolean;
}

const IPV4_OCTET = /^(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])$/;
const IPV6_GROUP = /^[0-9A-Fa-f]{1,4}$/;

/** True for a dotted-quad IPv4 address without leading zeros (`10.0.0.1`). */
export function isIpv4(host: string): boolean {
  const parts = host.split(".");
  return parts.length === 4 && parts.every((part) => IPV4_OCTET.test(part));
}

/** True for an IPv6 address (RFC 4291 text form, `::` compression, optional trailing IPv4; no zone). */
export function isIpv6(host: string): boolean {
  if (host.length === 0 || host.length > 45) return false;
  const halves = host.split("::");
  if (halves.length > 2) return false;
  const groupsOf = (text: string): string[] => (text === "" ? [] : text.split(":"));
  const head = groupsOf(halves[0] ?? "");
  const tail = halves.length === 2 ? groupsOf(halves[1] ?? "") : [];
  const all = [...head, ...tail];
  let width = all.length;
  const last = all[all.length - 1];
  if (last?.includes(".")) {
    if (!isIpv4(last)) return false;
    all.pop();
    width += 1; // an embedded IPv4 address fills two groups
  }
  if (!all.every((group) => IPV6_GROUP.test(group))) return false;
  return halves.length === 2 ? width <= 7 : width === 8;
}

const HOSTNAME_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const DIGITS = /^[0-9]+$/;

function invalid(input: string, why: string): Result<ParsedAddress, P2pError> {
  return err(new P2pError<WireErrorCode>("ADDRESS_INVALID", `${JSON.stringify(input)} ${why}`));
}

function familyOfHost(host: string): AddressFamily | undefined {
  if (isIpv4(host)) return "ipv4";
  if (isIpv6(host)) return "ipv6";
  if (/^[0-9.]+$/.test(host)) return undefined; // looks numeric but is not a valid IPv4
  if (host.length > 253) return undefined;
  const labels = host.endsWith(".") ? host.slice(0, -1).split(".") : host.split(".");
  return labels.every((label) => HOSTNAME_LABEL.test(label)) ? "hostname" : undefined;
}

/**
 * Parses `host:port`: `10.0.0.1:7000`, `[::1]:7000`, `seed-1.example.org:7000`.
 * Port 1–65535 (0 too with `allowPortZero`). Errors are `ADDRESS_INVALID` with a message such as
 * `"10.0.0.1" has no port; expected host:port`.
 */
export function parseAddress(
  input: string,
  options: ParseAddressOptions = {},
): Result<ParsedAddress, P2pError> {
  if (typeof input !== "string") return invalid(String(input), "is not a string");
  if (input.length === 0) return invalid(input, "is empty; expected host:port");
  let host: string;
  let portText: string;
  if (input.startsWith("[")) {
    const close = input.indexOf("]");
    if (close < 0) return invalid(input, "has no closing ']'; expected [ipv6]:port");
    host = input.slice(1, close);
    const rest = input.slice(close + 1);
    if (rest === "") return invalid(input, "has no port; expected [ipv6]:port");
    if (!rest.startsWith(":")) return invalid(input, "has text after ']'; expected [ipv6]:port");
    portText = rest.slice(1);
    if (!isIpv6(host)) return invalid(input, `has an invalid IPv6 address "${host}"`);
  } else {
    const colon = input.lastIndexOf(":");
    if (colon < 0) return invalid(input, "has no port; expected host:port");
    host = input.slice(0, colon);
    portText = input.slice(colon + 1);
    if (host.includes(":")) {
      return invalid(input, "looks like an IPv6 address without brackets; expected [ipv6]:port");
    }
    if (host === "") return invalid(input, "has no host; expected host:port");
  }
  if (portText === "") return invalid(input, "has an empty port; expected host:port");
  if (!DIGITS.test(portText) || portText.length > 5) {
    return invalid(input, `has an invalid port "${portText}"; expected an integer 1-65535`);
  }
  const port = Number(portText);
  const minimum = options.allowPortZero === true ? 0 : 1;
  if (port < minimum || port > 65535) {
    return invalid(input, `has port ${port} out of range; expected ${minimum}-65535`);
  }
  const family = familyOfHost(host);
  if (family === undefined) return invalid(input, `has an invalid host "${host}"`);
  return ok({ host: family === "ipv4" ? host : host.toLowerCase(), port, family });
}

/** Formats `{ host, port }` as `host:port`, bracketing IPv6 hosts: `[::1]:7000`. */
export function formatAddress(address: { readonly host: string; readonly port: number }): string {
  return address.host.includes(":")
    ? `[${address.host}]:${address.port}`
    : `${address.host}:${address.port}`;
}

/** Parses an address and throws `ADDRESS_INVALID` on failure (for caller-supplied addresses). */
export function parseAddressOrThrow(
  input: string,
  options: ParseAddressOptions = {},
): ParsedAddress {
  const result = parseAddress(input, options);
  if (!result.ok) throw result.error;
  return result.value;
}

/**
 * A zod schema for a node address inside messages: a string in canonical `host:port` form
 * (port 1–65535; hostnames lowercase). Non-canonical spellings are rejected, not rewritten,
 * so one node always has one identity string.
 */
export const AddressSchema = z.string().refine(isCanonicalAddress, {
  error: (issue) => addressProblem(issue.input),
});

/** Addresses already found canonical (a pure function's answers; cleared when full). */
const canonicalAddresses = new Set<string>();
const CANONICAL_MEMORY = 4096;

/**
 * True when `value` is a valid address written in its canonical form. Every address field of
 * every message is checked with it, and the same few addresses recur, so the last 4096
 * canonical ones are remembered: a repeat costs a set lookup instead of a parse and a format.
 */
export function isCanonicalAddress(value: string): boolean {
  if (canonicalAddresses.has(value)) return true;
  const result = parseAddress(value);
  const isCanonical = result.ok && formatAddress(result.value) === value;
  if (isCanonical) {
    if (canonicalAddresses.size >= CANONICAL_MEMORY) canonicalAddresses.clear();
    canonicalAddresses.add(value);
  }
  return isCanonical;
}

function addressProblem(input: unknown): string {
  if (typeof input !== "string") return "expected an address string host:port";
  const result = parseAddress(input);
  if (!result.ok) return result.error.message;
  return `expected canonical form "${formatAddress(result.value)}"`;
}
