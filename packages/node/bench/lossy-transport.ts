import type { Connection, ConnectionEvents, RandomSource, Transport } from "@p2p/wire";

/** Shared, mutable loss setting: the bench turns loss on once the network has settled. */
export interface LossControl {
  rate: number;
  /** Frames dropped so far (all nodes). */
  dropped: number;
  /** Frames delivered so far (all nodes). */
  delivered: number;
}

/**
 * Message loss for stream connections. The simulator's streams are reliable like TCP (its
 * `lossRate` applies only to the message-level network), so loss is modelled at the receiving
 * node: each frame after a connection's first is dropped with probability `control.rate`. The
 * first frame each side receives is a message of the link handshake that Links runs before
 * anything else (message 1 at the listener, message 2 at the dialler), so it always arrives;
 * message 3 and every sealed frame after it (quorum, gossip, liveness, node control) are subject
 * to loss. Sealed frames carry counting nonces, so a drop is more than a lost datagram: the next
 * frame on that connection fails authentication and closes it (a dropped message 3 fails the
 * handshake), and Links dials again on the next send.
 */
export function lossyTransport(
  inner: Transport,
  random: RandomSource,
  control: LossControl,
): Transport {
  return {
    listen: (address, onConnection) =>
      inner.listen(address, (connection) => onConnection(lossyConnection(connection))),
    dial: async (address, options) => lossyConnection(await inner.dial(address, options)),
  };

  function lossyConnection(connection: Connection): Connection {
    const messageListeners = new Set<ConnectionEvents["message"]>();
    let frames = 0;
    connection.on("message", (payload) => {
      frames += 1;
      if (frames > 1 && control.rate > 0 && random.next() < control.rate) {
        control.dropped += 1;
        return;
      }
      control.delivered += 1;
      for (const listener of messageListeners) listener(payload);
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
