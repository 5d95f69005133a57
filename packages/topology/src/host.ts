import { BoundedMap, parseAddress } from "@p2p/wire";

/** `a.b.c.d` → its four octets. The caller has checked the form (`isIpv4`). */
function octetsOf(host: string): number[] {
  return host.split(".").map(Number);
}

/**
 * An IPv6 address (checked by `parseAddress`, lowercase, no brackets) as its eight 16-bit
 * groups, `::` expanded and a trailing dotted IPv4 part taken as the last two groups.
 */
function ipv6Groups(host: string): number[] {
  const groupsOf = (text: string): number[] => {
    if (text === "") return [];
    return text.split(":").flatMap((group) => {
      if (!group.includes(".")) return [Number.parseInt(group, 16)];
      const [a = 0, b = 0, c = 0, d = 0] = octetsOf(group);
      return [a * 256 + b, c * 256 + d];
    });
  };
  const [head = "", tail] = host.split("::");
  const front = groupsOf(head);
  if (tail === undefined) return front;
  const back = groupsOf(tail);
  return [...front, ...new Array<number>(8 - front.length - back.length).fill(0), ...back];
}

function ipv4Host(octets: readonly number[]): string | undefined {
  return octets[0] === 127 ? undefined : octets.join(".");
}

/**
 * The host a neighbour's address counts towards in the per-host cap of the overlay, or
 * `undefined` for a loopback host, which is exempt:
 *
 * - IPv4: the address itself (`10.0.7.1:6001` and `10.0.7.1:6002` share `10.0.7.1`);
 *   127.0.0.0/8 is loopback;
 * - IPv6: the /64 prefix (`[2001:db8:1:2::7]:6000` → `2001:db8:1:2::/64`), the usual
 *   allocation of one subscriber or one machine; `::1` is loopback, and an IPv4-mapped
 *   address (`::ffff:10.0.7.1`) counts as its IPv4 address;
 * - a hostname: the name itself, lowercased (a sans-IO machine resolves nothing); `localhost`
 *   and names under `.localhost` are loopback;
 * - a string that is not an address (never sent by an authenticated link): itself.
 *
 * Answers are remembered (65,536, for the whole process): a host depends on the address alone,
 * and every peer of a process that hosts many asks about the same directory on each snapshot.
 */
export function hostOf(address: string): string | undefined {
  if (knownHosts.has(address)) return knownHosts.peek(address);
  const host = parseHost(address);
  knownHosts.set(address, host);
  return host;
}

const knownHosts = new BoundedMap<string, string | undefined>(65_536);

function parseHost(address: string): string | undefined {
  const parsed = parseAddress(address);
  if (!parsed.ok) return address;
  const { host, family } = parsed.value;
  switch (family) {
    case "ipv4":
      return ipv4Host(octetsOf(host));
    case "ipv6": {
      const groups = ipv6Groups(host);
      const isZeroUntil = (end: number) => groups.slice(0, end).every((group) => group === 0);
      if (isZeroUntil(7) && groups[7] === 1) return undefined;
      if (isZeroUntil(5) && groups[5] === 0xffff) {
        const [high = 0, low = 0] = groups.slice(6);
        return ipv4Host([high >> 8, high & 0xff, low >> 8, low & 0xff]);
      }
      return `${groups
        .slice(0, 4)
        .map((group) => group.toString(16))
        .join(":")}::/64`;
    }
    case "hostname": {
      const name = host.toLowerCase().replace(/\.$/, "");
      return name === "localhost" || name.endsWith(".localhost") ? undefined : name;
    }
  }
}
