import type { Clock, Connection, ConnectionEvents, RandomSource, Transport } from "@p2p/wire";

/** Shared, mutable loss setting: the bench turns loss on once the network has settled. */
export interface LossControl {
  rate: number;
  /** Frames that were "lost" and came late, after a retransmission (all nodes). */
  retransmitted: number;
  /** Of those, the frames that came one round trip after the third frame behind them. */
  fastRetransmitted: number;
  /** Frames delivered so far (all nodes). */
  delivered: number;
}

/** The first retransmission timeout (Linux's minimum RTO), doubled for each further loss of the same frame. */
const RTO_MS = 200;
/** Backoff stops doubling after this many losses of one frame (as TCP caps its RTO). */
const MAX_DOUBLINGS = 6;
/** Duplicate acknowledgements that make a TCP sender retransmit at once (RFC 5681). */
const DUPLICATE_ACK_THRESHOLD = 3;

/** Options of {@link lossyTransport}. */
export interface LossOptions {
  /**
   * Fast retransmit (RFC 5681): a frame lost once is sent again as soon as three frames sent
   * after it have arrived (their duplicate acknowledgements reach the sender), so it arrives one
   * round trip (this many ms) after the third, unless its retransmission timeout comes first.
   * Undefined: not modelled, every loss waits for the timeout.
   */
  readonly fastRetransmitRoundTripMs?: number | undefined;
}

/**
 * Packet loss as TCP shows it. The links are TCP streams, sealed with counting nonces: a lost
 * segment is not a lost message, it is sent again after a retransmission timeout, and every
 * later frame on that connection waits behind it (head-of-line blocking). So each frame a node
 * receives is, with probability `control.rate`, lost and sent again after the RTO (200 ms); a
 * retransmission is lost with the same probability, and each further loss doubles the wait.
 * Frames behind a late one arrive in their own time but are delivered only after it, in order,
 * as TCP's receive buffer releases them: their own losses overlap the wait instead of adding to
 * it. With `fastRetransmitRoundTripMs`, a frame lost once (not its retransmission) comes one
 * round trip after the third frame behind it on its connection arrived, when that is sooner
 * than its timeout: a busy connection recovers in a round trip, an idle one waits for the
 * timeout (tail-loss probes are not modelled). Order and content are kept, as TCP keeps them.
 * Every protocol is affected: the handshake, quorum, gossip and liveness.
 */
export function lossyTransport(
  inner: Transport,
  random: RandomSource,
  clock: Clock,
  control: LossControl,
  options: LossOptions = {},
): Transport {
  const roundTripMs = options.fastRetransmitRoundTripMs;
  return {
    listen: (address, onConnection) =>
      inner.listen(address, (connection) => onConnection(lossyConnection(connection))),
    dial: async (address, options) => lossyConnection(await inner.dial(address, options)),
  };

  /** How often a frame arriving now is lost (0: on time), and the sum of its timeouts. */
  function lateness(): { readonly losses: number; readonly delay: number } {
    let delay = 0;
    let losses = 0;
    // A rate of 1 would lose every retransmission too: at most 15 losses of one frame (TCP gives up).
    for (; losses < 15 && control.rate > 0 && random.next() < control.rate; losses++) {
      control.retransmitted += 1;
      delay += RTO_MS * 2 ** Math.min(losses, MAX_DOUBLINGS);
    }
    return { losses, delay };
  }

  function lossyConnection(connection: Connection): Connection {
    const messageListeners = new Set<ConnectionEvents["message"]>();
    /**
     * Frames waiting behind a late one, each with the time it has arrived by (retransmissions
     * included) and, for a frame lost once, how many more frames must arrive before the
     * sender retransmits it at once.
     */
    const queue: { readonly payload: Uint8Array; readyAt: number; awaitedFrames: number }[] = [];
    /** When the pending drain timer fires (undefined: none is set). */
    let timerAt: number | undefined;
    const deliver = (payload: Uint8Array): void => {
      control.delivered += 1;
      for (const listener of messageListeners) listener(payload);
    };
    /** Delivers, in order, every frame whose predecessors have all arrived; waits for the first late one. */
    const drain = (): void => {
      while (queue.length > 0 && connection.state !== "closed") {
        const head = queue[0] as (typeof queue)[number];
        const wait = head.readyAt - clock.now();
        if (wait > 0) {
          if (timerAt === undefined || head.readyAt < timerAt) {
            const at = head.readyAt;
            timerAt = at;
            clock.setTimer(wait, () => {
              if (timerAt === at) timerAt = undefined;
              drain();
            });
          }
          return;
        }
        queue.shift();
        deliver(head.payload);
      }
    };
    connection.on("message", (payload) => {
      const { losses, delay } = lateness();
      if (losses === 0) {
        // Its duplicate acknowledgement counts toward the fast retransmit of each frame lost once.
        for (const entry of queue) {
          if (entry.awaitedFrames === 0 || roundTripMs === undefined) continue;
          entry.awaitedFrames -= 1;
          const resentBy = clock.now() + roundTripMs;
          if (entry.awaitedFrames === 0 && resentBy < entry.readyAt) {
            entry.readyAt = resentBy;
            control.fastRetransmitted += 1;
          }
        }
        if (queue.length === 0) {
          deliver(payload);
          return;
        }
      }
      const awaitedFrames = losses === 1 && roundTripMs !== undefined ? DUPLICATE_ACK_THRESHOLD : 0;
      queue.push({ payload, readyAt: clock.now() + delay, awaitedFrames });
      drain();
    });
    return {
      get localAddress() {
        return connection.localAddress;
      },
      get remoteAddress() {
        return connection.remoteAddress;
      },
      get state() {
        return connection.state;
      },
      send: (payload) => connection.send(payload),
      close: () => connection.close(),
      abort: (error) => connection.abort(error),
      on(event, listener) {
        if (event !== "message") return connection.on(event, listener);
        const handler = listener as ConnectionEvents["message"];
        messageListeners.add(handler);
        return () => messageListeners.delete(handler);
      },
    };
  }
}
