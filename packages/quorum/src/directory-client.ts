import { assertNever, createTimeGuard, parseConfig, shuffled } from "@p2p/wire";
import { ownerFirstOrder } from "./ballot.js";
import {
  type Chain,
  type DirectoryClient,
  type DirectoryClientConfig,
  type DirectoryClientConfigInput,
  DirectoryClientConfigSchema,
  type DirectoryClientDependencies,
  type DirectoryClientEvent,
  type DirectoryClientInput,
  type DirectoryClientOutput,
  type DirectoryClientView,
  type DirectoryRequest,
  type DirectoryResponse,
  type MembersReason,
  type Outstanding,
  type Purpose,
} from "./directory-client-types.js";
import { createListFetches, createRecordQueue, type FinishedFetch } from "./directory-lists.js";
import { createRegistrationRound, type RegistrationRound } from "./directory-registration.js";
import type { RegisterResponse } from "./messages.js";
import { requestSigner } from "./request-proof.js";

/**
 * Creates a directory client: registers with ⌊n/2⌋+1 seeds at once (each failed seed is
 * replaced by the next in a random order), fetches the seeds' member lists page by page and
 * merges them, sends neighbour changes and leaves (to the key's owner seed first), and rejoins
 * as a new incarnation after a false removal.
 */
export function createDirectoryClient(
  configInput: DirectoryClientConfigInput,
  dependencies: DirectoryClientDependencies,
): DirectoryClient {
  const config: DirectoryClientConfig = parseConfig(
    DirectoryClientConfigSchema,
    configInput,
    "directory client config",
  );
  const { random } = dependencies;
  /** `{ proof }`: this request signed by the peer, when it has a key and a signer. */
  const signed = requestSigner(config.self, config.publicKey, dependencies.sign);
  const seeds = [...new Set(config.seeds)].sort();
  const majority = Math.floor(seeds.length / 2) + 1;
  const guardTime = createTimeGuard("directory client");

  let now = 0;
  let phase: DirectoryClientView["phase"] = "idle";
  let incarnation = 0;
  let sequence = 0;
  let neighbours: string[] = [];
  let registration: RegistrationRound | undefined;
  let retryAt: number | undefined;
  let updateDueAt: number | undefined;
  let update: (Chain & { readonly id: number }) | undefined;
  let chainSequence = 0;
  let leave: Chain | undefined;
  let suspects: readonly string[] = [];
  let refreshAt: number | undefined;
  let isRefreshing = false;
  /** A join or requested fetch that no seed answered: made again at `at` (backing off). */
  let listRetry: { reason: MembersReason; failures: number; at: number | undefined } | undefined;
  const outstanding = new Map<string, Outstanding>();
  let outputs: DirectoryClientOutput[] = [];
  const idPrefix = `${config.self}/${config.bootId === undefined ? "" : `${config.bootId}:`}`;

  const emit = (event: DirectoryClientEvent) => outputs.push({ type: "emit", event });

  /**
   * The seeds a change of this peer's record tries in turn. The owner keeps the key's promise
   * after it wrote the key, so each later change there takes one round trip between the seeds,
   * and so does the removal the owner proposes first when this peer dies.
   */
  const ownerFirst = (): string[] => ownerFirstOrder(config.self, seeds, random);

  /** Sends one request to `seed`; its answer (or its failure) comes back as `purpose`. */
  const request = (
    seed: string,
    purpose: Purpose,
    build: (requestId: string) => DirectoryRequest,
  ): void => {
    const requestId = `${idPrefix}${incarnation}/${++sequence}`;
    outstanding.set(requestId, { seed, deadline: now + config.requestTimeoutMs, purpose });
    outputs.push({ type: "send", to: seed, message: build(requestId) });
  };

  // ---- registration ----

  const startRegistration = (isRejoin: boolean): void => {
    retryAt = undefined;
    registration = createRegistrationRound(isRejoin, shuffled(random, seeds), majority);
    for (let slot = 0; slot < majority; slot++) registerNext(slot);
  };

  /** Slot `slot` tries the next untried seed, or closes when none is left. */
  const registerNext = (slot: number): void => {
    const current = registration;
    if (current === undefined) return;
    const seed = current.nextSeed();
    if (seed === undefined) {
      if (current.isOver) finishRegistration(current);
      return;
    }
    request(seed, { kind: "register", slot }, (requestId) => {
      const list = neighbours.slice(0, config.maxNeighbours);
      return {
        type: "quorum.register-request",
        requestId,
        address: config.self,
        publicKey: config.publicKey,
        neighbours: list,
        ...signed({ kind: "register", requestId, incarnation: null, neighbours: list }),
      };
    });
  };

  const registerAnswer = (slot: number, seed: string, answer: RegisterResponse | undefined) => {
    const current = registration;
    if (current === undefined) return;
    if (!current.answer(seed, answer)) registerNext(slot);
    else if (current.isOver) finishRegistration(current);
  };

  const finishRegistration = (finished: RegistrationRound): void => {
    registration = undefined;
    const record = finished.record;
    if (record !== undefined) {
      incarnation = record.incarnation;
      phase = "registered";
      const answered = finished.answered();
      if (finished.isRejoin) {
        emit({ type: "rejoined", record });
        fetchMembers(answered, "requested"); // the overlay tops up from a fresh snapshot
        return;
      }
      emit({ type: "registered", record, seeds: answered });
      fetchMembers(answered, "joined");
      return;
    }
    const message = `registration of ${config.self} failed: no majority of the ${seeds.length} seeds committed it (${finished.problems.join("; ")})`;
    if (finished.isRejoin) {
      phase = "registered";
      emit({ type: "rejoin-failed", message });
    } else if (config.registrationRetryMs === undefined) {
      phase = "idle";
      emit({ type: "registration-failed", message });
    } else {
      retryAt = now + config.registrationRetryMs;
      emit({ type: "registration-refused", message, retryInMs: config.registrationRetryMs });
    }
  };

  // ---- member lists ----

  /** A `fetch-members` came while a requested fetch was running: fetch once more after it. */
  let isFetchWanted = false;
  const recordQueue = createRecordQueue({
    retryMs: config.recordRetryMs,
    attempts: config.recordAttempts,
  });
  const lists = createListFetches(
    {
      request: (seed, group, after, addresses) =>
        request(seed, { kind: "list", group }, (requestId) => ({
          type: "quorum.list-request",
          requestId,
          ...(after === undefined ? {} : { after }),
          ...(addresses === undefined ? {} : { addresses: [...addresses] }),
        })),
      finished: (fetch) => finishFetch(fetch),
    },
    { maxPages: config.maxListPages, maxEntries: config.maxListRecords },
  );
  const majoritySeeds = () => shuffled(random, seeds).slice(0, majority);
  const fetchMembers = (from: readonly string[], reason: MembersReason): void =>
    lists.start(from, reason);
  /** Starts a records fetch of what is wanted unless one runs. */
  const fetchRecords = (): void => {
    if (lists.isRunning("records")) return;
    const addresses = recordQueue.take();
    if (addresses.length > 0) lists.start(majoritySeeds(), "records", addresses);
  };

  const finishFetch = (fetch: FinishedFetch): void => {
    const records = fetch.records;
    if (fetch.reason === "refresh") {
      isRefreshing = false;
      if (suspects.length > 0) refreshAt = now + config.refreshIntervalMs;
    }
    if (fetch.answered === 0 && fetch.seeds.length > 0 && fetch.reason !== "records") {
      // No seed answered: that is no snapshot (an empty one would make every member unknown).
      // A refresh waits for its next turn; a join or requested fetch asks other seeds after a
      // pause that doubles while none answers (a records fetch counts it as a miss, below).
      if (fetch.reason !== "refresh") {
        const failures = (listRetry?.failures ?? 0) + 1;
        const delay = Math.min(config.listRetryMs * 2 ** (failures - 1), config.maxListRetryMs);
        listRetry = { reason: fetch.reason, failures, at: now + delay };
      }
      return;
    }
    if (listRetry?.reason === fetch.reason) listRetry = undefined;
    if (fetch.reason === "records") {
      recordQueue.done(fetch.records, now);
      if (fetch.records.length > 0)
        emit({ type: "records", records: fetch.records, seeds: fetch.seeds });
      fetchRecords();
      return;
    }
    emit({ type: "members", reason: fetch.reason, records, seeds: fetch.seeds });
    if (fetch.reason === "requested" && isFetchWanted) {
      isFetchWanted = false;
      fetchMembers(majoritySeeds(), "requested");
    }
  };

  const refresh = (): void => {
    refreshAt = undefined;
    isRefreshing = true;
    fetchMembers(shuffled(random, seeds).slice(0, 1), "refresh");
  };

  // ---- chains: neighbour updates and leave ----

  const sendUpdate = (): void => {
    const chain = update;
    const seed = chain?.order[chain.next];
    if (chain === undefined || seed === undefined) {
      update = undefined;
      return;
    }
    chain.next += 1;
    request(seed, { kind: "update", chain: chain.id }, (requestId) => {
      const list = neighbours.slice(0, config.maxNeighbours);
      return {
        type: "quorum.update-neighbours",
        requestId,
        address: config.self,
        neighbours: list,
        ...signed({ kind: "neighbours", requestId, incarnation, neighbours: list }),
      };
    });
  };

  const sendLeave = (): void => {
    const chain = leave;
    const seed = chain?.order[chain.next];
    if (chain === undefined || seed === undefined) {
      finishLeave(false);
      return;
    }
    chain.next += 1;
    request(seed, { kind: "leave" }, (requestId) => ({
      type: "quorum.leave-request",
      requestId,
      address: config.self,
      incarnation,
      ...signed({ kind: "leave", requestId, incarnation, neighbours: null }),
    }));
  };

  const finishLeave = (isCommitted: boolean): void => {
    leave = undefined;
    phase = "left";
    outstanding.clear();
    lists.clear();
    update = undefined;
    updateDueAt = undefined;
    refreshAt = undefined;
    listRetry = undefined;
    emit({ type: "left", isCommitted });
  };

  /** A request got its answer (`answer`) or failed (undefined). */
  const settle = (entry: Outstanding, answer: DirectoryResponse | undefined): void => {
    const purpose = entry.purpose;
    switch (purpose.kind) {
      case "register":
        registerAnswer(
          purpose.slot,
          entry.seed,
          answer?.type === "quorum.register-response" ? answer : undefined,
        );
        return;
      case "list":
        lists.answer(
          purpose.group,
          entry.seed,
          answer?.type === "quorum.list-response" ? answer : undefined,
        );
        return;
      case "update":
        // An answer to an older walk (a newer list has been sent since) changes nothing.
        if (update?.id !== purpose.chain) return;
        if (answer?.type === "quorum.operation-response" && answer.ok) update = undefined;
        else sendUpdate();
        return;
      case "leave":
        if (answer?.type === "quorum.operation-response" && answer.ok) finishLeave(true);
        else sendLeave();
        return;
      default:
        assertNever(purpose, "request purpose");
    }
  };

  /** Every outstanding request to `seed` failed at once. */
  const failAllTo = (seed: string): void => {
    for (const [requestId, entry] of [...outstanding]) {
      if (entry.seed !== seed || !outstanding.has(requestId)) continue;
      outstanding.delete(requestId);
      settle(entry, undefined);
    }
  };

  const onTick = (): void => {
    for (const [requestId, entry] of [...outstanding]) {
      if (entry.deadline > now || !outstanding.has(requestId)) continue;
      outstanding.delete(requestId);
      settle(entry, undefined);
    }
    if (retryAt !== undefined && now >= retryAt && phase === "registering")
      startRegistration(false);
    if (updateDueAt !== undefined && now >= updateDueAt && phase === "registered") {
      updateDueAt = undefined;
      update = { id: ++chainSequence, order: ownerFirst(), next: 0 };
      sendUpdate();
    }
    if (refreshAt !== undefined && now >= refreshAt && !isRefreshing) refresh();
    if (listRetry?.at !== undefined && now >= listRetry.at) {
      listRetry.at = undefined;
      fetchMembers(majoritySeeds(), listRetry.reason);
    }
    if (recordQueue.due(now)) fetchRecords();
  };

  const step = (input: DirectoryClientInput): readonly DirectoryClientOutput[] => {
    now = guardTime(input.now);
    outputs = [];
    if (phase === "left") return outputs;
    switch (input.type) {
      case "register":
        if (phase === "idle") {
          phase = "registering";
          startRegistration(false);
        }
        break;
      case "rejoin":
        if (phase === "registered" && registration === undefined) startRegistration(true);
        break;
      case "leave":
        if (leave === undefined) {
          phase = "leaving";
          registration = undefined;
          retryAt = undefined;
          leave = { order: ownerFirst(), next: 0 };
          sendLeave();
        }
        break;
      case "fetch-records":
        recordQueue.want(input.addresses, config.self);
        fetchRecords();
        break;
      case "fetch-members":
        // One requested fetch at a time; requests meanwhile make one more when it ends.
        if (lists.isRunning("requested")) {
          isFetchWanted = true;
          break;
        }
        fetchMembers(majoritySeeds(), "requested");
        break;
      case "neighbours": {
        const next = [...new Set(input.neighbours)].sort();
        if (next.join() === neighbours.join()) break;
        neighbours = next;
        if (phase === "registered") updateDueAt = now + config.neighbourUpdateDelayMs;
        break;
      }
      case "report":
        for (const seed of seeds) {
          outputs.push({
            type: "send",
            to: seed,
            message: {
              type: "quorum.dead-report",
              requestId: `${idPrefix}${incarnation}/${++sequence}`,
              address: input.suspect,
              incarnation: input.incarnation,
              evidence: input.evidence,
            },
          });
        }
        break;
      case "watch": {
        const hasNewSuspect = input.suspects.some((suspect) => !suspects.includes(suspect));
        suspects = [...input.suspects];
        if (suspects.length === 0) refreshAt = undefined;
        else if (!isRefreshing && (refreshAt === undefined || hasNewSuspect)) refresh();
        break;
      }
      case "receive": {
        const entry = outstanding.get(input.message.requestId);
        if (entry === undefined || entry.seed !== input.from) break;
        outstanding.delete(input.message.requestId);
        settle(entry, input.message);
        break;
      }
      case "unreachable":
        failAllTo(input.address);
        break;
      case "tick":
        onTick();
        break;
      default:
        assertNever(input, "directory client input");
    }
    return outputs;
  };

  const nextDeadline = (): number | undefined => {
    let earliest: number | undefined;
    const consider = (at: number | undefined) => {
      if (at !== undefined && (earliest === undefined || at < earliest)) earliest = at;
    };
    for (const entry of outstanding.values()) consider(entry.deadline);
    if (phase === "registering") consider(retryAt);
    if (phase === "registered") consider(updateDueAt);
    if (!isRefreshing) consider(refreshAt);
    consider(listRetry?.at);
    consider(recordQueue.nextDeadline());
    return earliest;
  };

  return {
    config,
    step,
    nextDeadline,
    inspect: () => ({
      self: config.self,
      phase,
      incarnation,
      inFlight: outstanding.size,
      neighbours: [...neighbours],
      isWatching: suspects.length > 0,
      fetches: lists.counts(),
    }),
  };
}
