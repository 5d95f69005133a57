import type { MembersReport, SeedAnswer } from "@p2p/cli-support";
import {
  createSeededRandom,
  type DegreeSummary,
  degreeHistogram,
  degreeSummary,
  degrees,
  type HistogramBin,
  liveOverlay,
  MIN_NODES_FOR_FIT,
  powerLawGoodnessOfFit,
  tooFewForFit,
  verdict,
} from "@p2p/topology";

/** A member record as a seed lists it (validated by the members client). */
type ListedRecord = Extract<SeedAnswer, { ok: true }>["members"][number]["record"];

/** What a recent event is about. */
type ViewEventType =
  | "member-joined"
  | "member-rejoined"
  | "member-removed"
  | "member-left"
  | "dead-node"
  | "seed-answering"
  | "seed-silent"
  | "note";

/** One entry of the recent-events list. */
export interface ViewEvent {
  /** Increases by one per event, from 1. */
  readonly id: number;
  /** Wall-clock time (ms since the epoch) the view learned of it. */
  readonly atMs: number;
  readonly type: ViewEventType;
  /** The node it is about, when there is one. */
  readonly address?: string;
  /** One line for people. */
  readonly text: string;
}

/** An event handed to the view from outside: a node's output line, or a typed event. */
export type ViewEventInput =
  | string
  | { readonly type: ViewEventType; readonly address?: string; readonly text: string };

/** One seed: whether it answered the last poll and whether its list matches the others'. */
interface SeedView {
  readonly address: string;
  readonly isAnswering: boolean;
  /** Why it did not answer (unreachable, timeout, refused page). */
  readonly error?: string;
  /** True when it answered and lists every member as the merged view does. */
  readonly isAgreeing: boolean;
  readonly memberCount: number;
  readonly aliveCount: number;
}

/** One member, merged over the answering seeds (the most advanced record wins). */
interface MemberView {
  readonly address: string;
  readonly status: "alive" | "dead" | "left";
  readonly incarnation: number;
  readonly neighbours: readonly string[];
  /** Degree in the live overlay (0 for a removed member). */
  readonly degree: number;
  /** False when the answering seeds list it differently (a change may be in flight). */
  readonly isAgreed: boolean;
}

/** The power-law fit of the live overlay's degrees, or why there is none yet. */
type FitView =
  | { readonly isMeaningful: false; readonly text: string }
  | {
      readonly isMeaningful: true;
      readonly text: string;
      readonly alpha: number;
      readonly xmin: number;
      readonly p: number;
    };

/** Degree statistics of the live overlay. */
interface DegreeView {
  readonly histogram: readonly HistogramBin[];
  readonly summary?: DegreeSummary;
  readonly fit: FitView;
}

/** The whole picture the page draws: one JSON snapshot. */
export interface ViewState {
  /** Increases whenever anything in the state changes. */
  readonly version: number;
  /** Wall-clock time of the last finished poll (0 before the first). */
  readonly polledAtMs: number;
  readonly polls: number;
  readonly seeds: readonly SeedView[];
  readonly agreement: {
    readonly isAgreed: boolean;
    readonly answered: number;
    readonly total: number;
    readonly disagreements: readonly string[];
  };
  readonly members: readonly MemberView[];
  /** Overlay links between alive members, each once as a sorted pair. */
  readonly edges: readonly (readonly [string, string])[];
  readonly degrees: DegreeView;
  /** Most recent last. */
  readonly events: readonly ViewEvent[];
  /** What the network's config says, when the view was given one. */
  readonly network?: {
    readonly profile: string;
    readonly pingIntervalMs: number;
    readonly initialPeers: number;
  };
}

/** Most events kept. */
const MAX_EVENTS = 200;
const BOOTSTRAP_SAMPLES = 200;

/** Options of {@link createViewModel}. */
interface ViewModelOptions {
  /** Wall clock for event times (default `Date.now`). */
  readonly now?: () => number;
  readonly network?: ViewState["network"];
}

/** The view's state and its diffing between polls; no sockets, no timers. */
interface ViewModel {
  /** Takes one poll's report; returns the events it caused (already in the state). */
  update(report: MembersReport): readonly ViewEvent[];
  /** Adds an event from outside (e.g. a peer's `Dead Node:` line); undefined for a blank line. */
  push(input: ViewEventInput): ViewEvent | undefined;
  snapshot(): ViewState;
}

const STATUS_RANK = { alive: 0, left: 1, dead: 1 } as const;

/** True when `a` is a later state of the member than `b` (higher incarnation, or removed). */
function isLater(a: ListedRecord, b: ListedRecord): boolean {
  if (a.incarnation !== b.incarnation) return a.incarnation > b.incarnation;
  return STATUS_RANK[a.status] > STATUS_RANK[b.status];
}

const recordKey = (record: ListedRecord): string => `${record.status}/${record.incarnation}`;

/** Finds `Dead Node:<ip>:<port>:<time>:<reporter>` in a line and returns the dead node's address. */
export function deadNodeAddress(line: string): string | undefined {
  const match = /Dead Node:(\[[0-9a-fA-F:.]+\]|[^:\s]+):(\d+):/.exec(line);
  return match === null ? undefined : `${match[1]}:${match[2]}`;
}

/** Builds an empty model; feed it with {@link ViewModel.update}. */
export function createViewModel(options: ViewModelOptions = {}): ViewModel {
  const now = options.now ?? Date.now;
  let version = 0;
  let polls = 0;
  let polledAtMs = 0;
  let nextEventId = 1;
  let events: ViewEvent[] = [];
  let seeds: SeedView[] = [];
  let agreement: ViewState["agreement"] = {
    isAgreed: false,
    answered: 0,
    total: 0,
    disagreements: [],
  };
  let members: MemberView[] = [];
  let edges: (readonly [string, string])[] = [];
  let degreeView: DegreeView = {
    histogram: [],
    fit: { isMeaningful: false, text: "no peers yet" },
  };
  let merged = new Map<string, ListedRecord>();
  let hasMerged = false;
  const answering = new Map<string, boolean>();
  let fitCache: { key: string; fit: FitView } | undefined;
  let lastJson = "";

  const record = (type: ViewEventType, text: string, address?: string): ViewEvent => {
    const event: ViewEvent = {
      id: nextEventId++,
      atMs: now(),
      type,
      ...(address === undefined ? {} : { address }),
      text,
    };
    events.push(event);
    if (events.length > MAX_EVENTS) events = events.slice(-MAX_EVENTS);
    version += 1;
    return event;
  };

  const fitFor = (peerDegrees: readonly number[]): FitView => {
    const positive = peerDegrees.filter((degree) => degree > 0).sort((a, b) => a - b);
    if (positive.length < MIN_NODES_FOR_FIT) {
      return {
        isMeaningful: false,
        text: tooFewForFit(positive.length),
      };
    }
    const key = positive.join(",");
    if (fitCache?.key === key) return fitCache.fit;
    const goodness = powerLawGoodnessOfFit(positive, createSeededRandom(1), {
      bootstrapSamples: BOOTSTRAP_SAMPLES,
    });
    const fit: FitView = {
      isMeaningful: true,
      text: verdict(goodness),
      alpha: goodness.fit.alpha,
      xmin: goodness.fit.xmin,
      p: goodness.p,
    };
    fitCache = { key, fit };
    return fit;
  };

  /** Events for the difference between the previous merged view and the new one. */
  const diff = (next: Map<string, ListedRecord>): ViewEvent[] => {
    const found: ViewEvent[] = [];
    for (const [address, current] of next) {
      const before = merged.get(address);
      if (before !== undefined && recordKey(before) === recordKey(current)) continue;
      if (current.status === "alive") {
        if (before === undefined || before.status !== "alive") {
          const isRejoin = before !== undefined && current.incarnation > before.incarnation;
          found.push(
            record(
              isRejoin ? "member-rejoined" : "member-joined",
              `${address} ${isRejoin ? "rejoined" : "joined"} (incarnation ${current.incarnation})`,
              address,
            ),
          );
        } else if (current.incarnation > before.incarnation) {
          found.push(
            record(
              "member-rejoined",
              `${address} rejoined (incarnation ${current.incarnation})`,
              address,
            ),
          );
        }
      } else if (before === undefined || before.status === "alive") {
        // A first poll lists old removals too; only changes seen while watching are events.
        if (before === undefined && !hasMerged) continue;
        found.push(
          current.status === "left"
            ? record("member-left", `${address} left the network`, address)
            : record("member-removed", `${address} removed by the seeds (dead)`, address),
        );
      }
    }
    for (const [address, before] of merged) {
      if (before.status === "alive" && !next.has(address)) {
        found.push(
          record("member-removed", `${address} is no longer listed by the seeds`, address),
        );
      }
    }
    return found;
  };

  return {
    update(report) {
      polls += 1;
      polledAtMs = now();
      const found: ViewEvent[] = [];
      for (const answer of report.answers) {
        const was = answering.get(answer.seed);
        if (was !== undefined && was !== answer.ok) {
          found.push(
            answer.ok
              ? record("seed-answering", `seed ${answer.seed} answers again`, answer.seed)
              : record(
                  "seed-silent",
                  `seed ${answer.seed}: no answer (${answer.error})`,
                  answer.seed,
                ),
          );
        }
        answering.set(answer.seed, answer.ok);
      }
      const answered = report.answers.filter((answer) => answer.ok);
      if (answered.length > 0) {
        const next = new Map<string, ListedRecord>();
        for (const answer of answered) {
          for (const { record: listed } of answer.members) {
            const current = next.get(listed.address);
            if (current === undefined || isLater(listed, current)) next.set(listed.address, listed);
          }
        }
        found.push(...diff(next));
        merged = next;
        hasMerged = true;
      }
      const mergedKeys = new Map(
        [...merged].map(([address, value]) => [address, recordKey(value)]),
      );
      seeds = report.answers.map((answer): SeedView => {
        if (!answer.ok) {
          return {
            address: answer.seed,
            isAnswering: false,
            error: answer.error,
            isAgreeing: false,
            memberCount: 0,
            aliveCount: 0,
          };
        }
        const own = new Map(answer.members.map((entry) => [entry.record.address, entry.record]));
        const isAgreeing =
          own.size === mergedKeys.size &&
          [...mergedKeys].every(([address, key]) => {
            const listed = own.get(address);
            return listed !== undefined && recordKey(listed) === key;
          });
        return {
          address: answer.seed,
          isAnswering: true,
          isAgreeing,
          memberCount: own.size,
          aliveCount: answer.members.filter((entry) => entry.record.status === "alive").length,
        };
      });
      agreement = {
        isAgreed: report.isAgreed,
        answered: answered.length,
        total: report.answers.length,
        disagreements: [...report.disagreements],
      };
      const disagreed = new Set(report.disagreements);
      const alive = [...merged.values()].filter((listed) => listed.status === "alive");
      const overlay = liveOverlay(alive);
      const degreeList = Array.from(degrees(overlay.graph));
      const degreeOf = new Map(overlay.names.map((name, index) => [name, degreeList[index] ?? 0]));
      members = [...merged.values()]
        .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
        .map((listed) => ({
          address: listed.address,
          status: listed.status,
          incarnation: listed.incarnation,
          neighbours: [...listed.neighbours],
          degree: degreeOf.get(listed.address) ?? 0,
          isAgreed: !disagreed.has(listed.address),
        }));
      edges = overlay.edges.map(([a, b]) => [a, b] as const);
      const summary = degreeSummary(overlay.graph);
      degreeView = {
        histogram: degreeHistogram(degreeList),
        ...(summary === undefined ? {} : { summary }),
        fit:
          alive.length === 0 ? { isMeaningful: false, text: "no peers yet" } : fitFor(degreeList),
      };
      const json = JSON.stringify([seeds, agreement, members, edges, degreeView]);
      if (json !== lastJson) {
        lastJson = json;
        version += 1;
      }
      return found;
    },

    push(input) {
      if (typeof input !== "string") return record(input.type, input.text, input.address);
      const text = input.trim();
      if (text === "") return undefined;
      const address = deadNodeAddress(text);
      if (address === undefined) return record("note", text);
      return record("dead-node", text.slice(text.indexOf("Dead Node:")), address);
    },

    snapshot() {
      return {
        version,
        polledAtMs,
        polls,
        seeds,
        agreement,
        members,
        edges,
        degrees: degreeView,
        events: [...events],
        ...(options.network === undefined ? {} : { network: options.network }),
      };
    },
  };
}
