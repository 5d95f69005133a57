/**
 * Scenario 4's checks of the joiners' history: what was acknowledged, and whether the
 * client-observed history, with the final reads at every seed, is linearizable per key
 * (`checkLinearizable` with `membershipModel`, from packages/quorum/test). Keys are
 * independent (one CASPaxos instance each), so checking each key on its own is exact for
 * per-key linearizability and keeps the search small.
 */
import { existsSync, readFileSync } from "node:fs";
import {
  checkLinearizable,
  type HistoryOperation,
} from "../../packages/quorum/test/linearizability.js";
import {
  type MemberOperation,
  membershipModel,
} from "../../packages/quorum/test/membership-model.js";
import type { MembersReport } from "./cluster.js";
import type { HistoryLine } from "./joiner.js";

/** An outcome as the model compares it (packages/quorum/test/cluster.ts `Outcome`). */
type Outcome =
  | { readonly ok: true; readonly state: string }
  | { readonly ok: false; readonly code: string };
type Operation = HistoryOperation<MemberOperation, Outcome>;

/** The error codes the model can produce for a register or a neighbour change. */
const MODEL_CODES = new Set(["KEY_MISMATCH", "NOT_MEMBER", "STALE_INCARNATION"]);

/** A record as the model sees it: packages/quorum/test/cluster.ts `normalise`, repeated. */
function normalise(record: unknown): string {
  if (record === undefined || record === null) return "absent";
  const { status, incarnation, neighbours, publicKey, evidence } = record as Record<
    string,
    unknown
  >;
  return JSON.stringify([status, incarnation, neighbours, publicKey ?? null, evidence ?? null]);
}

/**
 * Addresses whose whole record (status, incarnation, neighbours, key, evidence) is not the
 * same at every seed. `p2p-members` itself compares status and incarnation only, so its
 * agreement can come before a neighbour change reaches every seed's local view.
 */
export function differingRecords(report: MembersReport): string[] {
  const views = report.answers.map(
    (answer) =>
      new Map<string, string>(
        (answer.members ?? []).map((entry) => [entry.record.address, normalise(entry.record)]),
      ),
  );
  const addresses = new Set(views.flatMap((view) => [...view.keys()]));
  return [...addresses].filter(
    (address) => new Set(views.map((view) => view.get(address) ?? "absent")).size > 1,
  );
}

/** The joiners' history files, parsed: requests, and how many registrants finished. */
export function readHistory(paths: readonly string[]): { lines: HistoryLine[]; done: number } {
  const lines: HistoryLine[] = [];
  let done = 0;
  for (const path of paths) {
    if (!existsSync(path)) continue;
    for (const text of readFileSync(path, "utf8").split("\n")) {
      if (!text.startsWith("{")) continue;
      const parsed = JSON.parse(text) as HistoryLine | { done: string };
      if ("done" in parsed) done += 1;
      else lines.push(parsed);
    }
  }
  return { lines, done };
}

/** Registrations acknowledged by at least one seed: address → the incarnation it got. */
export function acknowledgedRegistrations(lines: readonly HistoryLine[]): Map<string, number> {
  const acks = new Map<string, number>();
  for (const line of lines) {
    if (line.kind !== "register" || line.outcome?.ok !== true) continue;
    const incarnation = Number((line.outcome.record as { incarnation: number }).incarnation);
    acks.set(line.address, Math.max(acks.get(line.address) ?? 0, incarnation));
  }
  return acks;
}

/** Counts of the history: answered ok, answered with each error code, unknown, not sent. */
export function countOutcomes(lines: readonly HistoryLine[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const kind = line.outcome === null ? "unknown" : line.outcome.ok ? "ok" : line.outcome.code;
    counts.set(kind, (counts.get(kind) ?? 0) + 1);
  }
  return counts;
}

/**
 * The requests called before `cutAt`, while cut, and after `healedAt`: how many, how many
 * unknown, how many acknowledged; and the most frequent refusal messages (addresses blurred).
 */
export function describePhases(
  lines: readonly HistoryLine[],
  cutAt: number,
  healedAt: number,
): { phases: string; refusals: string } {
  const phases = [
    { name: "before the cut", lines: lines.filter((line) => line.call < cutAt) },
    {
      name: "while cut",
      lines: lines.filter((line) => line.call >= cutAt && line.call < healedAt),
    },
    { name: "after healing", lines: lines.filter((line) => line.call >= healedAt) },
  ].map(({ name, lines: phase }) => {
    const ok = phase.filter((line) => line.outcome?.ok === true).length;
    const unknown = phase.filter(isUnknown).length;
    return `${name} ${phase.length} requests, ${ok} ok, ${unknown} unknown`;
  });
  const messages = new Map<string, number>();
  for (const line of lines) {
    if (line.outcome === null || line.outcome.ok) continue;
    const blurred = (line.outcome.message ?? "")
      .replace(/\d+\.\d+\.\d+\.\d+:\d+/g, "…")
      .replace(/\d+/g, "n");
    // Seed hosts s1…s3 are at .1…3.
    const seed = `s${line.seed.split(":")[0]?.split(".")[3] ?? "?"}`;
    const text = `${line.outcome.code} from ${seed}: ${blurred}`;
    messages.set(text, (messages.get(text) ?? 0) + 1);
  }
  const refusals = [...messages]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 3)
    .map(([text, n]) => `${n}× ${text}`);
  return { phases: phases.join("; "), refusals: refusals.join(" | ") };
}

/**
 * Whether the request's outcome is unknown to the checker: no answer, or a refusal the model
 * does not know (NO_QUORUM, BUSY, …): it may or may not have taken effect, at any time after
 * its call.
 */
export const isUnknown = (line: HistoryLine): boolean =>
  line.sent && (line.outcome === null || (!line.outcome.ok && !MODEL_CODES.has(line.outcome.code)));

/** One request as an operation of its key's history. */
function toOperation(line: HistoryLine): Operation | undefined {
  if (!line.sent) return undefined; // the link never opened: nothing reached a seed
  const input: MemberOperation =
    line.kind === "register"
      ? { kind: "register", neighbours: line.neighbours, publicKey: line.publicKey }
      : { kind: "update-neighbours", neighbours: line.neighbours };
  const outcome = line.outcome;
  if (outcome === null || isUnknown(line)) {
    return { call: line.call, ret: Number.POSITIVE_INFINITY, input, output: undefined };
  }
  const output: Outcome = outcome.ok
    ? { ok: true, state: normalise(outcome.record) }
    : { ok: false, code: outcome.code };
  return { call: line.call, ret: line.ret ?? Number.POSITIVE_INFINITY, input, output };
}

/** The verdict of the per-key check. */
export interface LinearizabilityVerdict {
  readonly keys: number;
  readonly operations: number;
  readonly reads: number;
  readonly steps: number;
  readonly violations: string[];
}

/**
 * Checks every key's history plus one read per seed of the final report (taken between
 * `readCall` and `readReturn`, after the seeds agreed), each on its own.
 */
export function checkHistory(
  lines: readonly HistoryLine[],
  report: MembersReport,
  readCall: number,
  readReturn: number,
): LinearizabilityVerdict {
  const byKey = new Map<string, Operation[]>();
  const add = (address: string, operation: Operation) => {
    const list = byKey.get(address) ?? [];
    list.push(operation);
    byKey.set(address, list);
  };
  for (const line of lines) {
    const operation = toOperation(line);
    if (operation !== undefined) add(line.address, operation);
  }
  const violations: string[] = [];
  const registered = new Set(lines.map((line) => line.address));
  let reads = 0;
  for (const answer of report.answers) {
    if (!answer.ok) {
      violations.push(`final read: ${answer.seed} did not answer`);
      continue;
    }
    const records = new Map<string, unknown>(
      (answer.members ?? []).map((entry) => [entry.record.address, entry.record]),
    );
    for (const address of records.keys()) {
      if (!registered.has(address))
        violations.push(`${answer.seed} lists ${address}, never registered`);
    }
    for (const address of registered) {
      reads += 1;
      add(address, {
        call: readCall,
        ret: readReturn,
        input: { kind: "get" },
        output: { ok: true, state: normalise(records.get(address)) },
      });
    }
  }
  let steps = 0;
  let operations = 0;
  for (const [address, history] of byKey) {
    operations += history.length;
    const result = checkLinearizable(membershipModel(address), history);
    steps += result.steps;
    if (result.ok === true) continue;
    const verdict = result.ok === false ? "not linearizable" : "undecided";
    // What was last acknowledged, and what the final reads returned.
    const shown = history
      .filter((operation) => operation.output?.ok === true)
      .slice(-4)
      .map(
        (operation) => `${operation.input.kind} → ${(operation.output as { state: string }).state}`,
      );
    violations.push(`${address}: ${verdict} (${result.reason}; ${shown.join(", ")})`);
  }
  return { keys: byKey.size, operations: operations - reads, reads, steps, violations };
}
