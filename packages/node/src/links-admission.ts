// Part of the links host (links.ts): the dialler's connection-setup wait for admission, a
// timeout of the same kind as the dial and handshake timeouts there.
import type { Clock, Logger, MessageConnection } from "@p2p/wire";
import type { LinkControlMessage, RefusedMessage } from "./link-types.js";

/** True for the messages the link layer sends and consumes itself (never passed up). */
export const isControl = <T extends { type: string }>(
  message: T | LinkControlMessage,
): message is LinkControlMessage =>
  message.type === "node.refused" || message.type === "node.admitted";

/** True for a `node.refused`. */
export const isRefusal = <T extends { type: string }>(
  message: T | LinkControlMessage,
): message is RefusedMessage => message.type === "node.refused";

/**
 * Waits for the listener's `node.admitted` on a dialled connection; a refusal, a close or
 * `timeoutMs` without it settles false (and closes the connection). The dialler sends nothing
 * until it settles true, so a listener that must first prove the dialler's address holds nothing.
 */
export function awaitAdmission<T extends { type: string }>(
  messages: MessageConnection<T | LinkControlMessage>,
  address: string,
  options: { readonly clock: Clock; readonly logger: Logger; readonly timeoutMs: number },
  settled: (isAdmitted: boolean) => void,
): void {
  let isSettled = false;
  const timer = options.clock.setTimer(options.timeoutMs, () => {
    if (isSettled) return;
    options.logger.warn(`link to ${address} failed: not admitted within ${options.timeoutMs} ms`);
    settle(false);
    void messages.close();
  });
  const stopMessage = messages.on("message", (message) => {
    if (message.type === "node.admitted") settle(true);
    else if (isRefusal(message)) settle(false);
  });
  const stopClose = messages.on("close", () => settle(false));
  function settle(isAdmitted: boolean): void {
    if (isSettled) return;
    isSettled = true;
    timer.cancel();
    stopMessage();
    stopClose();
    settled(isAdmitted);
  }
}
