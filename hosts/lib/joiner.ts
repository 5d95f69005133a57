/**
 * The joiner of scenario 4, run inside a peer host:
 * `node --import tsx --conditions=@p2p/source hosts/lib/joiner.ts <spec.json>`.
 *
 * Many short-lived registrants, a few at a time. Each is a real peer link (createLinks, role
 * "peer", its own Ed25519 identity, listening on its own address so a seed can dial it back,
 * see apps/seed/bench/registrant.ts) and registers as the directory client does: with a
 * majority of the seeds at once, in a random order, a seed that fails replaced by the next.
 * Once a seed acknowledged it, it changes its neighbour list once over that seed's link, then
 * closes. Every request is one line of the history file: address, request, seed, call and
 * return time (ms since the epoch, sub-millisecond), outcome (`null`: unknown). A line
 * `{"done": address}` follows each registrant.
 */
import { appendFileSync, readFileSync } from "node:fs";
import { createRegistrant, type Registrant } from "../../apps/seed/bench/registrant.js";
import { signRequest } from "../../packages/quorum/src/request-proof.js";

/** What the harness asks of one joiner. */
export interface JoinerSpec {
  readonly seeds: readonly { readonly address: string; readonly key: string }[];
  /** The registrants' addresses (this host's IP, one port each). */
  readonly addresses: readonly string[];
  /** Registrants at work at once. */
  readonly concurrency: number;
  /** A request without an answer in this time has an unknown outcome. */
  readonly requestTimeoutMs: number;
  readonly historyPath: string;
}

/** One request as the harness records it. */
export interface HistoryLine {
  readonly address: string;
  /** The registrant's identity key (hex), named in its registration. */
  readonly publicKey: string;
  readonly kind: "register" | "update-neighbours";
  readonly neighbours: readonly string[];
  readonly seed: string;
  readonly call: number;
  /** Null: no answer (timed out), the outcome is unknown. */
  readonly ret: number | null;
  /** `sent: false`: the link to the seed could not be opened, nothing was sent. */
  readonly sent: boolean;
  readonly outcome:
    | { ok: true; record: unknown }
    | { ok: false; code: string; message?: string }
    | null;
}

const now = (): number => performance.timeOrigin + performance.now();

const shuffled = <T>(items: readonly T[]): T[] => {
  const copy = [...items];
  for (let index = copy.length - 1; index > 0; index--) {
    const other = Math.floor(Math.random() * (index + 1));
    [copy[index], copy[other]] = [copy[other] as T, copy[index] as T];
  }
  return copy;
};

/** Sends one request to `seed` over the registrant's links and records it. */
async function request(
  registrant: Registrant,
  spec: JoinerSpec,
  answers: Map<string, (message: Record<string, unknown>) => void>,
  seed: string,
  kind: HistoryLine["kind"],
  neighbours: string[],
  incarnation: number | null,
): Promise<HistoryLine> {
  const requestId = `${registrant.address}/${answers.size}/${Math.random().toString(36).slice(2)}`;
  const call = now();
  const record = (line: Pick<HistoryLine, "ret" | "sent" | "outcome">) => {
    const { address, key: publicKey } = registrant;
    const full: HistoryLine = { address, publicKey, kind, neighbours, seed, call, ...line };
    appendFileSync(spec.historyPath, `${JSON.stringify(full)}\n`);
    return full;
  };
  if (!(await registrant.links.connect(seed))) {
    return record({
      ret: now(),
      sent: false,
      outcome: { ok: false, code: "LINK_DOWN", message: "no link" },
    });
  }
  const proof = signRequest(
    {
      kind: kind === "register" ? "register" : "neighbours",
      address: registrant.address,
      publicKey: registrant.key,
      incarnation,
      neighbours,
      requestId,
    },
    registrant.sign,
  );
  const answer = new Promise<Record<string, unknown> | undefined>((done) => {
    const timer = setTimeout(() => done(undefined), spec.requestTimeoutMs);
    answers.set(requestId, (message) => {
      clearTimeout(timer);
      done(message);
    });
  });
  registrant.links.send(
    seed,
    kind === "register"
      ? {
          type: "quorum.register-request",
          requestId,
          address: registrant.address,
          publicKey: registrant.key,
          neighbours,
          proof,
        }
      : {
          type: "quorum.update-neighbours",
          requestId,
          address: registrant.address,
          neighbours,
          proof,
        },
  );
  const message = await answer;
  answers.delete(requestId);
  if (message === undefined) return record({ ret: null, sent: true, outcome: null });
  const error = message.error as { code: string; message: string } | null;
  return record({
    ret: now(),
    sent: true,
    outcome:
      message.ok === true
        ? { ok: true, record: message.record }
        : { ok: false, code: error?.code ?? "UNKNOWN", message: error?.message ?? "" },
  });
}

/** One registrant: register with a majority, change its neighbours once, close. */
async function runRegistrant(spec: JoinerSpec, address: string): Promise<void> {
  const registrant = await createRegistrant(address, spec.seeds, {
    debug() {},
    info() {},
    warn() {},
    error() {},
  });
  const answers = new Map<string, (message: Record<string, unknown>) => void>();
  registrant.links.on("message", (_from, message) => {
    if (
      message.type === "quorum.register-response" ||
      message.type === "quorum.operation-response"
    ) {
      answers.get(message.requestId)?.(message as unknown as Record<string, unknown>);
    }
  });
  const others = spec.addresses.filter((other) => other !== address);
  const pick = () => others[Math.floor(Math.random() * others.length)] as string;
  const neighbours = others.length > 0 ? [pick()] : [];
  const order = shuffled(spec.seeds.map((seed) => seed.address));
  const majority = Math.floor(order.length / 2) + 1;
  let acknowledged: { seed: string; incarnation: number } | undefined;
  const slot = async () => {
    for (let seed = order.shift(); seed !== undefined; seed = order.shift()) {
      const line = await request(registrant, spec, answers, seed, "register", neighbours, null);
      if (line.outcome?.ok === true) {
        const incarnation = Number((line.outcome.record as { incarnation: number }).incarnation);
        acknowledged ??= { seed, incarnation };
        return;
      }
    }
  };
  try {
    await Promise.all(Array.from({ length: majority }, slot));
    if (acknowledged !== undefined) {
      const changed = others.length > 1 ? [pick()] : [];
      const { seed, incarnation } = acknowledged;
      await request(registrant, spec, answers, seed, "update-neighbours", changed, incarnation);
    }
  } finally {
    await registrant.links.close();
    appendFileSync(spec.historyPath, `${JSON.stringify({ done: address })}\n`);
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(readFileSync(process.argv[2] ?? "", "utf8")) as JoinerSpec;
  const queue = [...spec.addresses];
  const worker = async () => {
    for (let address = queue.shift(); address !== undefined; address = queue.shift()) {
      await runRegistrant(spec, address);
    }
  };
  await Promise.all(Array.from({ length: spec.concurrency }, worker));
  console.log(`ready ${spec.addresses.length} registrants done`);
  process.exit(0);
}

await main();
