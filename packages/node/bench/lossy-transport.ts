import type { Clock, Connection, ConnectionEvents, RandomSource, Transport } from "@p2p/wire";

/** Shared, mutable loss setting: the bench turns loss on once the network has settled. */
export interface LossControl {
  rate: number;
  /** Frames that were "lost" and came late, after a retransmission timeout (all nodes). */
  retransmitted: number;
  /** Frames delivered so far (all nodes). */
  delivered: number;
}

/** The first retransmission timeout (Linux's minimum RTO), doubled for each further loss in a row. */
const RTO_MS = 200;

/**
 * Packet loss as TCP shows it. The links are TCP streams, sealed with counting nonces: a lost
 * segment is not a lost message, it is sent again after a retransmission timeout, and every
 * later frame on that connection waits behind it (head-of-line blocking). So each frame a node
 * receives is, with probability `control.rate`, held for the RTO (200 ms, doubled for each
 * further loss in a row on the same connection) together with every frame queued behind it;
 * order and content are kept, as TCP keeps them. Every protocol is affected: the handshake,
 * quorum, gossip and liveness.
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

  function lossyConnection(connection: Connection): Connection {
    const messageListeners = new Set<ConnectionEvents["message"]>();
    const queue: Uint8Array[] = [];
    let isWaiting = false;
    let lossesInARow = 0;
    const deliver = (payload: Uint8Array): void => {
      control.delivered += 1;
      for (const listener of messageListeners) listener(payload);
    };
    /** Delivers queued frames in order until one is lost; that one waits for its RTO. */
    const drain = (): void => {
      while (!isWaiting && queue.length > 0) {
        if (control.rate > 0 && random.next() < control.rate) {
          control.retransmitted += 1;
          isWaiting = true;
          const delay = RTO_MS * 2 ** Math.min(lossesInARow, 6);
          lossesInARow += 1;
          clock.setTimer(delay, () => {
            isWaiting = false;
            if (connection.state !== "closed") deliver(queue.shift() as Uint8Array);
            drain();
          });
          return;
        }
        lossesInARow = 0;
        deliver(queue.shift() as Uint8Array);
      }
    };
    connection.on("message", (payload) => {
      queue.push(payload);
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
