import { assertNever, BoundedMap, P2pError, type Result } from "@p2p/wire";
import type { QuorumErrorCode } from "./errors.js";
import {
  DEFAULT_LIST_PAGE_LIMITS,
  type ListPageLimits,
  listNamed,
  listPage,
} from "./list-pages.js";
import {
  type EvidenceContext,
  type EvidenceValidator,
  leaveChange,
  markDeadChange,
  readChange,
  registerChange,
  updateNeighboursChange,
} from "./membership.js";
import type { MemberEntry, MemberRecord, QuorumMessage } from "./messages.js";
import type { Change } from "./proposer.js";
import type { SeedCommand, SeedRegistryConfig, SeedRegistryOutput } from "./seed-registry-types.js";

/** The requests a peer or a client sends a seed. */
export type ClientMessage = Extract<
  QuorumMessage,
  {
    type:
      | "quorum.register-request"
      | "quorum.update-neighbours"
      | "quorum.dead-report"
      | "quorum.leave-request"
      | "quorum.get-request"
      | "quorum.list-request";
  }
>;

type ResponseType = "quorum.register-response" | "quorum.operation-response";

interface ClientRequest {
  readonly from: string;
  readonly requestId: string;
  readonly responseType: ResponseType;
}

const describeError = (error: P2pError) => ({ code: error.code, message: error.message });

/**
 * The client side of a seed: turns requests into commands, answers each request once its
 * operation completes, and answers a duplicate from memory (bounded). With `ownRecordsOnly`
 * a peer may register, leave or update only its own record.
 */
export interface ClientRequests {
  /** A request from `sender`; `submit` starts the command's operation. */
  receive(
    now: number,
    sender: { readonly from: string; readonly fromKey: string | undefined },
    message: ClientMessage,
    submit: (command: SeedCommand) => SeedRegistryOutput[],
  ): SeedRegistryOutput[];
  /** An operation completed: the answer for its client, or undefined when none asked. */
  complete(
    operationId: string,
    result: Result<MemberRecord | undefined>,
  ): SeedRegistryOutput | undefined;
}

/**
 * Creates the client-request part of a registry. A list request is answered with one page of
 * `list()` (sorted by address), cut by `pageLimits`.
 */
export function createClientRequests(
  config: SeedRegistryConfig,
  list: () => readonly MemberEntry[],
  entryOf: (address: string) => MemberEntry | undefined,
  admits?: (publicKey: string) => boolean,
  pageLimits: ListPageLimits = DEFAULT_LIST_PAGE_LIMITS,
): ClientRequests {
  const inFlight = new Map<string, ClientRequest>();
  /** Answers kept to answer a duplicated or retried request the same way (oldest dropped first). */
  const answered = new BoundedMap<string, QuorumMessage>(config.maxRememberedRequests);
  const isSeed = (address: string): boolean => config.seeds.includes(address);

  const remember = (operationId: string, message: QuorumMessage): void => {
    answered.set(operationId, message);
  };

  const commandOf = (
    operationId: string,
    message: ClientMessage,
    fromKey: string | undefined,
  ): SeedCommand | undefined => {
    switch (message.type) {
      case "quorum.register-request": {
        const publicKey = message.publicKey ?? fromKey;
        return {
          type: "register",
          operationId,
          address: message.address,
          ...(publicKey === undefined ? {} : { publicKey }),
          ...(message.neighbours === undefined ? {} : { neighbours: message.neighbours }),
          ...(message.proof === undefined ? {} : { proof: message.proof }),
        };
      }
      case "quorum.update-neighbours":
        return {
          type: "update-neighbours",
          operationId,
          address: message.address,
          neighbours: message.neighbours,
          ...(message.proof === undefined ? {} : { proof: message.proof }),
        };
      case "quorum.dead-report":
        return {
          type: "mark-dead",
          operationId,
          address: message.address,
          incarnation: message.incarnation,
          evidence: message.evidence,
        };
      case "quorum.leave-request":
        return {
          type: "leave",
          operationId,
          address: message.address,
          incarnation: message.incarnation,
          ...(message.proof === undefined ? {} : { proof: message.proof }),
        };
      case "quorum.get-request":
        return { type: "read", operationId, address: message.address };
      case "quorum.list-request":
        return undefined;
      default:
        return assertNever(message, "client message");
    }
  };

  /** Why `from` may not make this request (someone else's record, another key), if it may not. */
  const refusalOf = (
    from: string,
    fromKey: string | undefined,
    message: ClientMessage,
  ): P2pError<QuorumErrorCode> | undefined => {
    if (admits !== undefined && message.type === "quorum.register-request") {
      // The key it registers: the one it names, else the one its link proved.
      const key = message.publicKey ?? fromKey;
      if (key === undefined || !admits(key)) {
        return new P2pError(
          "NOT_ADMITTED",
          `the key ${key ?? "(none)"} is not on this network's allow-list`,
        );
      }
    }
    if (!config.ownRecordsOnly) return undefined;
    switch (message.type) {
      case "quorum.register-request":
      case "quorum.leave-request":
      case "quorum.update-neighbours": {
        if (isSeed(from) || from !== message.address) {
          return new P2pError("NOT_OWN_RECORD", `${from} may not change ${message.address}`);
        }
        if (fromKey === undefined) return undefined;
        if (message.type === "quorum.register-request" && message.publicKey !== undefined) {
          if (message.publicKey !== fromKey) {
            return new P2pError(
              "KEY_MISMATCH",
              `${from} proved another key than the one it registers`,
            );
          }
        }
        const record = entryOf(message.address)?.record;
        const isBound =
          record?.publicKey !== undefined &&
          (message.type !== "quorum.register-request" || record.status === "alive");
        if (isBound && record?.publicKey !== fromKey) {
          return new P2pError(
            "KEY_MISMATCH",
            `${message.address} is held by another key (a live record's key changes only after it leaves or is removed)`,
          );
        }
        return undefined;
      }
      default:
        return undefined;
    }
  };

  return {
    receive(_now, { from, fromKey }, message, submit) {
      if (message.type === "quorum.list-request") {
        // One page, well under the frame limit whatever the records hold (see list-pages.ts).
        const page =
          message.addresses === undefined
            ? listPage(list(), message, pageLimits)
            : listNamed(list(), message.addresses, pageLimits);
        const response: QuorumMessage = {
          type: "quorum.list-response",
          requestId: message.requestId,
          members: page.members,
          next: page.next,
        };
        return [{ type: "send", to: from, message: response }];
      }
      const responseType: ResponseType =
        message.type === "quorum.register-request"
          ? "quorum.register-response"
          : "quorum.operation-response";
      const refusal = refusalOf(from, fromKey, message);
      if (refusal !== undefined) {
        return [
          {
            type: "emit",
            event: {
              type: "request-refused",
              from,
              request: message.type,
              address: message.address,
              code: refusal.code,
            },
          },
          {
            type: "send",
            to: from,
            message: {
              type: responseType,
              requestId: message.requestId,
              ok: false,
              record: null,
              error: describeError(refusal),
            },
          },
        ];
      }
      const operationId = `client:${from}:${message.requestId}`;
      const previous = answered.peek(operationId);
      if (previous !== undefined) return [{ type: "send", to: from, message: previous }];
      if (inFlight.has(operationId)) return []; // a duplicate of a request in flight
      const command = commandOf(operationId, message, fromKey);
      if (command === undefined) return [];
      inFlight.set(operationId, { from, requestId: message.requestId, responseType });
      return submit(command);
    },
    complete(operationId, result) {
      const client = inFlight.get(operationId);
      if (client === undefined) return undefined;
      inFlight.delete(operationId);
      const message: QuorumMessage = {
        type: client.responseType,
        requestId: client.requestId,
        ok: result.ok,
        record: result.ok ? (result.value ?? null) : null,
        error: result.ok ? null : describeError(result.error),
      };
      remember(operationId, message);
      return { type: "send", to: client.from, message };
    },
  };
}

/** The change a command makes (a removal is checked by `validateEvidence` in `context`). */
export function commandChange(
  now: number,
  command: SeedCommand,
  validateEvidence: EvidenceValidator,
  context: () => EvidenceContext,
): Change {
  switch (command.type) {
    case "register":
      return registerChange(
        command.address,
        { publicKey: command.publicKey, neighbours: command.neighbours, proof: command.proof },
        now,
      );
    case "update-neighbours":
      return updateNeighboursChange(command.address, command.neighbours, now, command.proof);
    case "mark-dead":
      return markDeadChange(
        command.address,
        command.incarnation,
        command.evidence,
        validateEvidence,
        now,
        context,
      );
    case "leave":
      return leaveChange(command.address, command.incarnation, now, command.proof);
    case "read":
      return readChange;
    default:
      return assertNever(command, "seed command");
  }
}
