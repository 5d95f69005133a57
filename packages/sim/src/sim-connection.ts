import type { CloseInfo, Connection, ConnectionEvents, ConnectionState } from "@p2p/wire";
import { P2pError } from "@p2p/wire";
import type { Link } from "./config.js";
import type { SimErrorCode } from "./errors.js";
import type { ScheduledEvent } from "./event-queue.js";
import type { SimulationCore } from "./simulation.js";

type Segment =
  | { readonly kind: "frame"; readonly payload: Uint8Array }
  | { readonly kind: "fin" }
  | { readonly kind: "rst" };

type Listeners = { [E in keyof ConnectionEvents]: Set<ConnectionEvents[E]> };

/** What the connections of one simulation share: the core, the ports in use, the live pairs. */
export interface ConnectionPool {
  readonly core: SimulationCore;
  /** Bound addresses, listeners' and dialers' alike. */
  readonly usedPorts: Set<string>;
  /** Connections of pairs not yet closed at both ends. */
  readonly live: Set<SimConnection>;
  /** Connections not yet closed, both ends counted. */
  openConnections: number;
}

/**
 * One end of a simulated stream connection. Segments travel in order, each after the link's
 * delay; a partition or crash breaks the pair after the detection delay.
 */
export class SimConnection implements Connection {
  state: ConnectionState = "open";
  peer!: SimConnection;
  /** Set once a partition or crash has broken the pair: nothing more crosses it. */
  isBroken = false;
  isFinished = false;
  private readonly events: Listeners = { message: new Set(), drain: new Set(), close: new Set() };
  private readonly core: SimulationCore;
  private readonly link: () => Link;
  /** Arrival time of the last segment sent from here; later ones never arrive earlier. */
  lastArrival = 0;
  private bytesInFlight = 0;
  private needsDrain = false;
  private closePromise: Promise<void> | undefined;
  private resolveClose: (() => void) | undefined;
  private breakEvent: ScheduledEvent | undefined;

  constructor(
    private readonly pool: ConnectionPool,
    readonly id: string,
    readonly localAddress: string,
    readonly remoteAddress: string,
    readonly ids: readonly string[],
    readonly incarnation: number,
    private readonly ownsLocalPort: boolean,
  ) {
    this.core = pool.core;
    pool.openConnections++;
    pool.live.add(this);
    this.link = () => this.core.link(this.ids, this.peer.ids);
  }

  on<E extends keyof ConnectionEvents>(event: E, listener: ConnectionEvents[E]): () => void {
    const set = this.events[event] as Set<ConnectionEvents[E]>;
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  }

  private emit<E extends keyof ConnectionEvents>(
    event: E,
    ...args: Parameters<ConnectionEvents[E]>
  ): void {
    const set = this.events[event] as Set<(...values: Parameters<ConnectionEvents[E]>) => void>;
    if (set.size === 0) return;
    for (const listener of [...set]) listener(...args);
  }

  send(payload: Uint8Array): boolean {
    if (this.state !== "open") {
      throw new P2pError<SimErrorCode>(
        "CONNECTION_CLOSED",
        `cannot send: connection to ${this.remoteAddress} is ${this.state}`,
      );
    }
    if (payload.byteLength === 0) {
      throw new P2pError<SimErrorCode>("FRAME_EMPTY", "cannot send an empty frame");
    }
    if (payload.byteLength > this.core.config.maxFrameBytes) {
      throw new P2pError<SimErrorCode>(
        "FRAME_TOO_LARGE",
        `frame of ${payload.byteLength} bytes exceeds the limit of ${this.core.config.maxFrameBytes}`,
      );
    }
    this.bytesInFlight += payload.byteLength;
    this.transmit({ kind: "frame", payload: payload.slice() });
    if (this.bytesInFlight >= this.core.config.sendHighWaterMarkBytes) {
      this.needsDrain = true;
      return false;
    }
    return true;
  }

  close(): Promise<void> {
    if (this.closePromise === undefined) {
      this.closePromise = new Promise((resolve) => {
        this.resolveClose = resolve;
      });
      if (this.state === "closed") {
        this.resolveClose?.();
      } else {
        this.state = "closing";
        this.core.trace(`conn-close ${this.core.now()} ${this.id}`);
        this.transmit({ kind: "fin" });
      }
    }
    return this.closePromise;
  }

  abort(error?: P2pError): void {
    if (this.state === "closed") return;
    this.core.trace(`conn-abort ${this.core.now()} ${this.id}`);
    this.transmit({ kind: "rst" });
    this.finish(error === undefined ? { reason: "local-abort" } : { reason: "local-abort", error });
  }

  /** Puts one segment on the wire toward the peer, after everything sent before it. */
  transmit(segment: Segment): void {
    if (this.isBroken) return;
    const arrival = Math.max(this.core.now() + this.core.delay(this.link()), this.lastArrival);
    this.lastArrival = arrival;
    const peer = this.peer;
    this.core.schedule(arrival, () => peer.receive(segment, this));
  }

  private receive(segment: Segment, from: SimConnection): void {
    if (segment.kind === "frame") from.acknowledge(segment.payload.byteLength);
    if (this.isFinished) return;
    switch (segment.kind) {
      case "frame":
        this.core.trace(`frame ${this.core.now()} ${this.id} ${segment.payload.byteLength}`);
        this.emit("message", segment.payload);
        return;
      case "fin":
        if (this.state === "closing") {
          this.finish({ reason: "local-close" });
        } else {
          // No half-open streams: answer the FIN after what this side already sent.
          this.state = "closing";
          this.transmit({ kind: "fin" });
          this.finish({ reason: "remote-close" });
        }
        return;
      case "rst":
        this.finish({ reason: "remote-close" });
        return;
    }
  }

  /** The peer received `bytes` of ours: maybe emit drain. */
  private acknowledge(bytes: number): void {
    this.bytesInFlight -= bytes;
    if (
      this.needsDrain &&
      this.bytesInFlight < this.core.config.sendHighWaterMarkBytes &&
      this.state !== "closed"
    ) {
      this.needsDrain = false;
      this.emit("drain");
    }
  }

  /** Breaks the connection: a transport-error close after the detection delay. */
  breakAfter(delayMs: number, why: string): void {
    if (this.isFinished || this.breakEvent !== undefined) return;
    // Whatever the peer sent before the break still arrives first.
    const at = Math.max(this.core.now() + delayMs, this.peer.lastArrival);
    this.breakEvent = this.core.schedule(at, () => {
      this.finish({
        reason: "transport-error",
        error: new P2pError<SimErrorCode>(
          "CONNECTION_BROKEN",
          `connection to ${this.remoteAddress} broke: ${why}`,
        ),
      });
    });
  }

  /** Marks this end closed and emits `close` exactly once (not at all when `isSilent`). */
  finish(info: CloseInfo, isSilent = false): void {
    if (this.isFinished) return;
    this.isFinished = true;
    this.state = "closed";
    this.pool.openConnections--;
    if (this.ownsLocalPort) this.pool.usedPorts.delete(this.localAddress);
    if (this.breakEvent !== undefined) this.core.cancel(this.breakEvent);
    if (this.peer.isFinished) {
      this.pool.live.delete(this);
      this.pool.live.delete(this.peer);
    }
    this.core.trace(
      `conn-closed ${this.core.now()} ${this.id} ${info.reason}${isSilent ? " silent" : ""}`,
    );
    if (!isSilent) this.emit("close", info);
    this.events.message.clear();
    this.events.drain.clear();
    this.events.close.clear();
    this.resolveClose?.();
  }

  /** True while the owner of this end has not crashed since the connection opened. */
  isAlive(): boolean {
    return this.core.isUp(this.ids) && this.core.incarnation(this.ids) === this.incarnation;
  }
}
