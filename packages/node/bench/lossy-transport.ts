import type { Clock, Connection, ConnectionEvents, RandomSource, Transport } from "@p2p/wire";

/** Shared, mutable loss setting: the bench turns loss on once the network has settled. */
export interface LossControl {
  rate: number;
  /** Frames that were "lost" and came late, after a retransmission timeout (all nodes). */
  retransmitted: number;
  /** Frames delivered so far (all nodes). */
  delivered: number;
}

/** The first retransmission timeout (Linux's minimum RTO), doubled for each further loss of the same frame. */
const RTO_MS = 200;
/** Backoff stops doubling after this many losses of one frame (as TCP caps its RTO). */
const MAX_DOUBLINGS = 6;

/**
 * Packet loss as TCP shows it. The links are TCP streams, sealed with counting nonces: a lost
 * segment is not a lost message, it is sent again after a retransmission timeout, and every
 * later frame on that connection waits behind it (head-of-line blocking). So each frame a node
 * receives is, with probability `control.rate`, lost and sent again after the RTO (200 ms); a
 * retransmission is lost with the same probability, and each further loss doubles the wait.
 * Frames behind a late one arrive in their own time but are delivered only after it, in order,
 * as TCP's receive buffer releases them: their own losses overlap the wait instead of adding to
 * it (fast retransmit, which would shorten most waits to a round trip, is not modelled). Order
 * and content are kept, as TCP keeps them. Every protocol is affected: the handshake, quorum,
 * gossip and liveness.
 */
export function lossyTransport(
  inner: Transport,
  random: RandomSource,
  clock: Clock,
  control: LossControl,
): Transport {
  return {
    listen: (address, onConnection) =>
      inner.listen(address, (connection) => onConnection(lossyConnection(connection))),
    dial: async (address, options) => lossyConnection(await inner.dial(address, options)),
  };

  /** How long a frame arriving now is late: 0, or the sum of its retransmission timeouts. */
  function lateness(): number {
    let delay = 0;
    // A rate of 1 would lose every retransmission too: at most 15 losses of one frame (TCP gives up).
    for (
      let losses = 0;
      losses < 15 && control.rate > 0 && random.next() < control.rate;
      losses++
    ) {
      control.retransmitted += 1;
      delay += RTO_MS * 2 ** Math.min(losses, MAX_DOUBLINGS);
    }
    return delay;
  }

  function lossyConnection(connection: Connection): Connection {
    const messageListeners = new Set<ConnectionEvents["message"]>();
    /** Frames waiting behind a late one, each with the time it has arrived by (retransmissions included). */
    const queue: { readonly payload: Uint8Array; readonly readyAt: number }[] = [];
    let isTimerSet = false;
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
          if (!isTimerSet) {
            isTimerSet = true;
            clock.setTimer(wait, () => {
              isTimerSet = false;
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
      const delay = lateness();
      if (delay === 0 && queue.length === 0) {
        deliver(payload);
        return;
      }
      queue.push({ payload, readyAt: clock.now() + delay });
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
