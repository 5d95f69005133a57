/**
 * Scenario 1: 3 seeds on 3 hosts, N peers on 3 hosts (fast profile), no faults.
 *
 * Checks: every peer registers (its `ready` line comes only after a majority of seeds
 * committed it); every peer delivers every other peer's 10 messages exactly once
 * (outputfile.txt); no message crosses a link twice in the same direction (the counting
 * argument of `linkViolations`); and `p2p-members --json` lists every peer alive, the same
 * at every seed.
 */
import { Cluster, type LogEvent, recordsAt } from "../lib/cluster.js";
import { waitUntil } from "../lib/procs.js";
import type { Scenario, ScenarioContext, ScenarioReport } from "../lib/scenario.js";

const MESSAGES_PER_PEER = 10;
const DELIVERY = /\[peer ([^\]]+)\] .*received from (\S+) \(origin (\S+)\): (.*)$/;

/** Deliveries per `receiver origin text`, from outputfile.txt lines. */
function tallyDeliveries(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const match = DELIVERY.exec(line);
    if (match === null) continue;
    const [, receiver, , origin, text] = match;
    const key = `${receiver} ${origin} ${text}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

/** Every neighbour each peer ever had, from its `neighbours-changed` events. */
function everNeighbours(events: readonly LogEvent[]): Map<string, Set<string>> {
  const neighbours = new Map<string, Set<string>>();
  for (const event of events) {
    if (event.event !== "neighbours-changed" || !Array.isArray(event.neighbours)) continue;
    const address = event.node.replace(/^peer /, "");
    const set = neighbours.get(address) ?? new Set<string>();
    for (const neighbour of event.neighbours) set.add(String(neighbour));
    neighbours.set(address, set);
  }
  return neighbours;
}

/**
 * The link check, from each peer's counters and the neighbours it ever had (N). Flooding
 * sends a message at most once over each link direction, so a peer sends its own message to
 * at most |N| neighbours and a delivered one to at most |N| − 1 (not back to where it came
 * from); and it receives a message at most once from each neighbour, so beyond the first copy
 * it drops at most |N| − 1 duplicates of a delivered message and |N| of its own. A counter
 * above its bound means, by pigeonhole, that some message crossed some link twice in the same
 * direction; the check never fails a run where that did not happen.
 */
async function linkViolations(
  cluster: Cluster,
  addresses: readonly string[],
): Promise<{
  violations: string[];
  sent: number;
  received: number;
  rejected: Map<string, number>;
}> {
  const neighbours = everNeighbours(cluster.logEvents("peer.log"));
  const violations: string[] = [];
  let sent = 0;
  let received = 0;
  const rejected = new Map<string, number>();
  for (const address of addresses) {
    const metrics = await cluster.metrics(address);
    const value = (name: string) => metrics.get(name) ?? 0;
    const delivered = value("p2p_gossip_messages_delivered_total");
    const published = value("p2p_gossip_messages_published_total");
    const copies = value("p2p_gossip_copies_sent_total");
    const duplicates = value("p2p_gossip_duplicates_dropped_total");
    const degree = neighbours.get(address)?.size ?? 0;
    const sendBound = published * degree + delivered * Math.max(0, degree - 1);
    const duplicateBound = published * degree + delivered * Math.max(0, degree - 1);
    if (copies > sendBound) {
      violations.push(`${address} sent ${copies} copies > ${sendBound} (|N| ${degree})`);
    }
    if (duplicates > duplicateBound) {
      violations.push(`${address} dropped ${duplicates} duplicates > ${duplicateBound}`);
    }
    sent += copies;
    received += delivered + duplicates;
    for (const [name, count] of metrics) {
      const reason = /^p2p_gossip_messages_rejected_total\{reason="([^"]+)"\}$/.exec(name)?.[1];
      if (reason === undefined || count === 0) continue;
      rejected.set(reason, (rejected.get(reason) ?? 0) + count);
      received += count;
    }
  }
  return { violations, sent, received, rejected };
}

/** Scenario 1: registration, gossip once per peer and per link, agreement. */
export const scenarioGossip: Scenario = {
  id: 1,
  title: "3 seeds on 3 hosts, N peers on 3 hosts: register, gossip, agree",
  async run({ network, directory, options, log }: ScenarioContext): Promise<ScenarioReport> {
    const cluster = new Cluster(network, directory, 3, 3);
    await cluster.startSeeds();
    const perHost = Math.ceil(options.peers / 3);
    const peers = await cluster.startPeers(perHost);
    const addresses = peers.map((peer) => peer.address).sort();
    log(`${addresses.length} peers registered (ready)`);
    const violations: string[] = [];

    const expected = addresses.flatMap((receiver) =>
      addresses
        .filter((origin) => origin !== receiver)
        .map((origin) => [receiver, origin] as const),
    );
    const complete = () => {
      const counts = tallyDeliveries(cluster.outputLines());
      const perPair = new Map<string, number>();
      for (const key of counts.keys()) {
        const [receiver, origin] = key.split(" ");
        perPair.set(`${receiver} ${origin}`, (perPair.get(`${receiver} ${origin}`) ?? 0) + 1);
      }
      return expected.every(
        ([receiver, origin]) => (perPair.get(`${receiver} ${origin}`) ?? 0) >= MESSAGES_PER_PEER,
      );
    };
    // Until every message is everywhere, or nothing new was delivered for 20 s.
    let lastCount = -1;
    let lastChange = Date.now();
    await waitUntil(
      "every peer to deliver every message, or deliveries to stop",
      () => {
        const count = cluster.outputLines().length;
        if (count !== lastCount) [lastCount, lastChange] = [count, Date.now()];
        return complete() || Date.now() - lastChange > 20_000;
      },
      180_000,
    );
    const counts = tallyDeliveries(cluster.outputLines());
    const deliveries = [...counts.values()].reduce((sum, n) => sum + n, 0);
    const twice = [...counts].filter(([, n]) => n > 1);
    if (twice.length > 0) {
      violations.push(`${twice.length} messages delivered more than once, e.g. ${twice[0]?.[0]}`);
    }
    const expectedDeliveries = expected.length * MESSAGES_PER_PEER;
    if (counts.size !== expectedDeliveries) {
      const short = new Map<string, number>();
      for (const [receiver, origin] of expected) {
        const got = [...counts.keys()].filter((key) => key.startsWith(`${receiver} ${origin} `));
        const missing = MESSAGES_PER_PEER - got.length;
        if (missing > 0) short.set(receiver, (short.get(receiver) ?? 0) + missing);
      }
      const worst = [...short].map(([receiver, n]) => `${n} at ${receiver}`).join(", ");
      violations.push(
        `${counts.size} distinct deliveries, expected ${expectedDeliveries} (missing: ${worst})`,
      );
    }
    log(`${deliveries} deliveries of ${addresses.length * MESSAGES_PER_PEER} messages`);

    // Let the last copies land before reading the counters.
    let links = await linkViolations(cluster, addresses);
    for (let round = 0; round < 10 && links.sent !== links.received; round++) {
      await new Promise((done) => setTimeout(done, 1000));
      links = await linkViolations(cluster, addresses);
    }
    violations.push(...links.violations);
    const rejections = [...links.rejected].map(([reason, n]) => `${n} ${reason}`).join(", ");
    log(
      `copies sent ${links.sent}, received ${links.received} (rejected: ${rejections || "none"})`,
    );

    let agreeMs = 0;
    try {
      agreeMs = await cluster.waitAgreed(
        "every seed to list every peer alive",
        (report) =>
          cluster.seeds.every((seed) => {
            const records = recordsAt(report, seed.address);
            return addresses.every((address) => records?.get(address)?.status === "alive");
          }),
        30_000,
      );
    } catch (error) {
      violations.push(error instanceof Error ? error.message : String(error));
    }
    return {
      faults: "none",
      operations: `${addresses.length} registrations; ${addresses.length * MESSAGES_PER_PEER} messages, ${deliveries} deliveries; ${links.sent} copies sent, ${links.received} received (rejected: ${rejections || "none"})`,
      violations,
      delay: "none",
      notes: `seeds agreed ${(agreeMs / 1000).toFixed(1)} s after the gossip`,
    };
  },
};
