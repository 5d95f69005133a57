/**
 * The host part of an address: "10.0.0.1:5000" → "10.0.0.1", "[::1]:5000" → "[::1]".
 * A string without a port is itself a host.
 */
export function hostOf(address: string): string {
  const bracketed = /^(\[[^\]]*\]):\d+$/.exec(address);
  if (bracketed) return bracketed[1] as string;
  const colon = address.lastIndexOf(":");
  if (colon > 0 && address.indexOf(":") === colon && /^\d+$/.test(address.slice(colon + 1))) {
    return address.slice(0, colon);
  }
  return address;
}

/** The port of an address, or undefined when it has none. */
export function portOf(address: string): number | undefined {
  const host = hostOf(address);
  if (host === address) return undefined;
  return Number(address.slice(host.length + 1));
}

/**
 * The names an endpoint answers to, most specific first: the address itself and its host.
 * Faults (crash, partition, link settings) named by either apply to it.
 */
export function identitiesOf(address: string): readonly string[] {
  const host = hostOf(address);
  return host === address ? [address] : [address, host];
}
