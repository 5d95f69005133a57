import { randomBytes } from "node:crypto";
import { createLinks, createWireCodec, type WireMessage } from "@p2p/node";
import {
  DEFAULT_LIST_WALK_LIMITS,
  LIST_WALK_START,
  type ListResponse,
  type MemberEntry,
  nextListPage,
} from "@p2p/quorum";
import type { Clock, Logger, RandomSource, Transport } from "@p2p/wire";
import { silentLogger } from "@p2p/wire";
import { nodeNoiseCrypto } from "@p2p/wire/node-crypto";
import type { SeedListEntry } from "./config/seed-list.js";
import { createEphemeralIdentity, verifyEd25519 } from "./identity.js";

/** One seed's answer to a members query. */
export type SeedAnswer =
  | { readonly seed: string; readonly ok: true; readonly members: readonly MemberEntry[] }
  | { readonly seed: string; readonly ok: false; readonly error: string };

/** What `members` reports: every seed's answer and whether the answering seeds agree. */
export interface MembersReport {
  readonly answers: readonly SeedAnswer[];
  /** True when at least one seed answered and every answering seed lists the same records. */
  readonly isAgreed: boolean;
  /** Addresses whose status or incarnation differs between answering seeds. */
  readonly disagreements: readonly string[];
}

/**
 * Asks every seed for its local view of the directory, in parallel: each seed's pages one at a
 * time, each page within `timeoutMs` (a seed whose pages stop coming counts as not answering).
 */
export async function queryMembers(options: {
  /** The seeds and their pinned keys (a seed that does not prove its key is not asked). */
  readonly seeds: readonly SeedListEntry[];
  readonly transport: Transport;
  readonly clock: Clock;
  readonly random: RandomSource;
  readonly timeoutMs?: number;
  readonly logger?: Logger;
}): Promise<MembersReport> {
  const timeoutMs = options.timeoutMs ?? 3_000;
  const label = `client-${Math.floor(options.random.next() * 2 ** 48).toString(16)}`;
  const links = createLinks<WireMessage>({
    self: "0.0.0.0:1", // a client: no listener, never dialled back (any canonical address)
    role: "client",
    identity: createEphemeralIdentity(),
    seeds: options.seeds,
    verify: verifyEd25519,
    randomBytes: (length) => new Uint8Array(randomBytes(length)),
    crypto: nodeNoiseCrypto,
    transport: options.transport,
    clock: options.clock,
    codec: createWireCodec(),
    logger: options.logger ?? silentLogger,
    dialTimeoutMs: timeoutMs,
  });
  const waiting = new Map<string, { seed: string; answer: (page: ListResponse) => void }>();
  links.on("message", (from, message) => {
    const asked = message.type === "quorum.list-response" && waiting.get(message.requestId);
    if (asked && asked.seed === from.address) asked.answer(message);
  });
  let sequence = 0;
  /** One page from `seed`, or undefined when it does not come within the timeout. */
  const page = (seed: string, after: string | undefined): Promise<ListResponse | undefined> =>
    new Promise((resolve) => {
      const requestId = `${label}/${++sequence}`;
      const timer = options.clock.setTimer(timeoutMs, () => {
        waiting.delete(requestId);
        resolve(undefined);
      });
      waiting.set(requestId, {
        seed,
        answer: (message) => {
          timer.cancel();
          waiting.delete(requestId);
          resolve(message);
        },
      });
      const request = { type: "quorum.list-request" as const, requestId };
      links.send(seed, after === undefined ? request : { ...request, after });
    });
  const ask = async (seed: string): Promise<SeedAnswer> => {
    if (!(await links.connect(seed))) return { seed, ok: false, error: "unreachable" };
    const members = new Map<string, MemberEntry>();
    for (let walk = LIST_WALK_START; ; ) {
      const answer = await page(seed, walk.after);
      if (answer === undefined) {
        const which = walk.pages === 0 ? "" : ` (page ${walk.pages + 1})`;
        return { seed, ok: false, error: `no answer within ${timeoutMs} ms${which}` };
      }
      const step = nextListPage(walk, answer, DEFAULT_LIST_WALK_LIMITS);
      if (step.type === "refused") return { seed, ok: false, error: step.reason };
      for (const entry of answer.members) members.set(entry.record.address, entry);
      if (step.type === "done") {
        const sorted = [...members.values()].sort((x, y) =>
          x.record.address < y.record.address ? -1 : x.record.address > y.record.address ? 1 : 0,
        );
        return { seed, ok: true, members: sorted };
      }
      walk = step.walk;
    }
  };
  const answers = await Promise.all(options.seeds.map((seed) => ask(seed.address)));
  await links.close();
  return { answers, ...compareViews(answers) };
}

/** Compares the answering seeds' views (address → status and incarnation). */
export function compareViews(answers: readonly SeedAnswer[]): {
  isAgreed: boolean;
  disagreements: string[];
} {
  const views = answers.flatMap((answer) =>
    answer.ok
      ? [
          new Map(
            answer.members.map((e) => [
              e.record.address,
              `${e.record.status}/${e.record.incarnation}`,
            ]),
          ),
        ]
      : [],
  );
  if (views.length === 0) return { isAgreed: false, disagreements: [] };
  const addresses = new Set(views.flatMap((view) => [...view.keys()]));
  const disagreements = [...addresses]
    .filter((address) => new Set(views.map((view) => view.get(address) ?? "absent")).size > 1)
    .sort();
  return { isAgreed: disagreements.length === 0, disagreements };
}

/** Formats a report as the lines `members` prints. */
export function formatMembersReport(report: MembersReport): string[] {
  const lines: string[] = [];
  for (const answer of report.answers) {
    if (!answer.ok) {
      lines.push(`seed ${answer.seed}: no answer (${answer.error})`);
      continue;
    }
    const alive = answer.members.filter((entry) => entry.record.status === "alive").length;
    lines.push(`seed ${answer.seed}: ${alive} alive, ${answer.members.length - alive} removed`);
    for (const entry of answer.members) {
      const { address, status, incarnation, neighbours } = entry.record;
      lines.push(
        `  ${address.padEnd(21)} ${status.padEnd(5)} incarnation ${incarnation}  neighbours ${neighbours.length}`,
      );
    }
  }
  const answered = report.answers.filter((answer) => answer.ok).length;
  lines.push(
    report.isAgreed
      ? `seeds agree (${answered} of ${report.answers.length} answered)`
      : answered === 0
        ? "no seed answered"
        : `seeds DISAGREE on ${report.disagreements.join(", ")} (may be in flight)`,
  );
  return lines;
}
