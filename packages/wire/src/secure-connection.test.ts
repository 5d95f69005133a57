import { ed25519 } from "@noble/curves/ed25519.js";
import { describe, expect, it } from "vitest";
import type { Clock } from "./clock.js";
import type { P2pError } from "./errors.js";
import type { LinkIdentity } from "./link-handshake.js";
import { verifyIdentitySignature } from "./link-handshake.js";
import { createMemoryNetwork } from "./memory.js";
import { createNoiseXX, noiseKeyPair } from "./noise.js";
import {
  openFrame,
  SECURE_CHUNK_PLAINTEXT_BYTES,
  sealFrame,
  secureConnection,
} from "./secure-connection.js";
import type { Connection } from "./transport.js";

let label = 0;
const bytes = (length: number) =>
  Uint8Array.from({ length }, (_, index) => (++label * 31 + index * 7) % 256);
const identityOf = () => {
  const secret = bytes(32);
  return {
    publicKey: Buffer.from(ed25519.getPublicKey(secret)).toString("hex"),
    sign: (data: Uint8Array) => ed25519.sign(data, secret),
  };
};

/** A clock whose timers the test fires by hand. */
function manualClock() {
  let now = 0;
  const timers: { at: number; fire: () => void; isCancelled: boolean }[] = [];
  const clock: Clock = {
    now: () => now,
    setTimer(delayMs, fire) {
      const timer = { at: now + delayMs, fire, isCancelled: false };
      timers.push(timer);
      return {
        cancel() {
          timer.isCancelled = true;
        },
      };
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const timer of timers.splice(0)) {
      if (timer.isCancelled) continue;
      if (timer.at <= now) timer.fire();
      else timers.push(timer);
    }
  };
  return { clock, advance };
}

type Outcome =
  | { ok: true; peer: LinkIdentity; connection: Connection; received: Uint8Array[] }
  | { ok: false; error: P2pError };

/** Runs one side of the handshake on `connection`; received frames are collected from the start. */
function side(
  connection: Connection,
  clock: Clock,
  options: { isInitiator: boolean; self: string; dialled?: string; expectedIdentityKey?: string },
  identity = identityOf(),
): Promise<Outcome> {
  return new Promise((resolve) => {
    secureConnection(
      {
        connection,
        clock,
        handshake: { ...options, role: "peer" },
        identity,
        verify: verifyIdentitySignature,
        staticKey: noiseKeyPair(bytes(32)),
        randomBytes: bytes,
      },
      {
        established(peer, secure) {
          const received: Uint8Array[] = [];
          secure.on("message", (payload) => received.push(payload));
          resolve({ ok: true, peer, connection: secure, received });
        },
        failed: (error) => resolve({ ok: false, error }),
      },
    );
  });
}

async function connected() {
  const network = createMemoryNetwork();
  let accepted: (connection: Connection) => void = () => {};
  const inbound = new Promise<Connection>((resolve) => {
    accepted = resolve;
  });
  await network.transport("10.0.0.1").listen("10.0.0.1:7000", (connection) => accepted(connection));
  const outbound = await network.transport("10.0.0.2").dial("10.0.0.1:7000");
  return { outbound, inbound: await inbound };
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 5));

describe("secureConnection", () => {
  it("opens a sealed link both ways; large frames are split into chunks and put back together", async () => {
    const { outbound, inbound } = await connected();
    const { clock } = manualClock();
    const [dialler, listener] = await Promise.all([
      side(outbound, clock, { isInitiator: true, self: "10.0.0.2:7000", dialled: "10.0.0.1:7000" }),
      side(inbound, clock, { isInitiator: false, self: "10.0.0.1:7000" }),
    ]);
    if (!dialler.ok || !listener.ok) throw new Error("handshake failed");
    expect(dialler.peer.address).toBe("10.0.0.1:7000");
    expect(listener.peer.address).toBe("10.0.0.2:7000");
    const large = bytes(SECURE_CHUNK_PLAINTEXT_BYTES * 2 + 100);
    dialler.connection.send(Uint8Array.of(1, 2, 3));
    dialler.connection.send(large);
    listener.connection.send(Uint8Array.of(9));
    await settle();
    expect(listener.received.map((frame) => frame.length)).toEqual([3, large.length]);
    expect(Buffer.from(listener.received[1] as Uint8Array).equals(Buffer.from(large))).toBe(true);
    expect(dialler.received).toEqual([Uint8Array.of(9)]);
  });

  it("never delivers a frame sent before the handshake; the handshake fails on it", async () => {
    const { outbound, inbound } = await connected();
    const { clock } = manualClock();
    const listening = side(inbound, clock, { isInitiator: false, self: "10.0.0.1:7000" });
    outbound.send(new TextEncoder().encode("quorum.leave-request, plain"));
    const result = await listening;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.code).toBe("HANDSHAKE_FAILED");
  });

  it("fails a handshake that does not finish in time", async () => {
    const { inbound } = await connected();
    const { clock, advance } = manualClock();
    const listening = side(inbound, clock, { isInitiator: false, self: "10.0.0.1:7000" });
    advance(5_001);
    const result = await listening;
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error.message).toMatch(/no handshake within 5000 ms/);
  });

  it("fails when the dialled address answers with another key than the expected one", async () => {
    const { outbound, inbound } = await connected();
    const { clock } = manualClock();
    const [dialler] = await Promise.all([
      side(outbound, clock, {
        isInitiator: true,
        self: "10.0.0.2:7000",
        dialled: "10.0.0.1:7000",
        expectedIdentityKey: identityOf().publicKey,
      }),
      side(inbound, clock, { isInitiator: false, self: "10.0.0.1:7000" }),
    ]);
    expect(dialler.ok).toBe(false);
  });

  it("closes the link on a frame that fails authentication (a host on the path changed it)", async () => {
    const { outbound, inbound } = await connected();
    const { clock } = manualClock();
    const [dialler, listener] = await Promise.all([
      side(outbound, clock, { isInitiator: true, self: "10.0.0.2:7000", dialled: "10.0.0.1:7000" }),
      side(inbound, clock, { isInitiator: false, self: "10.0.0.1:7000" }),
    ]);
    if (!dialler.ok || !listener.ok) throw new Error("handshake failed");
    const closed = new Promise<string | undefined>((resolve) =>
      listener.connection.on("close", (info) => resolve(info.error?.code)),
    );
    // Bypass the sealed layer: a raw frame that was never sealed by the session.
    outbound.send(Uint8Array.of(0, 20, ...bytes(20)));
    expect(await closed).toBe("FRAME_UNAUTHENTICATED");
    expect(listener.received).toEqual([]);
  });
});

describe("sealFrame / openFrame", () => {
  it("refuses a flipped bit, a truncated chunk and an empty frame; the cipher stays in step", () => {
    const pair = sessionPair();
    const sealed = sealFrame(pair.send, Uint8Array.of(1, 2, 3));
    const flipped = Uint8Array.from(sealed);
    flipped[5] = (flipped[5] as number) ^ 1;
    expect(() => openFrame(pair.receive, flipped)).toThrow(/failed authentication/);
    expect(() => openFrame(pair.receive, sealed.subarray(0, 10))).toThrow(/does not fit/);
    expect(() => openFrame(pair.receive, new Uint8Array(0))).toThrow(/empty/);
    expect([...openFrame(pair.receive, sealed)]).toEqual([1, 2, 3]);
  });
});

/** The two transport ciphers of one direction of an established session. */
function sessionPair() {
  const initiator = createNoiseXX({
    isInitiator: true,
    prologue: new Uint8Array(0),
    staticKey: noiseKeyPair(bytes(32)),
    ephemeralKey: noiseKeyPair(bytes(32)),
  });
  const responder = createNoiseXX({
    isInitiator: false,
    prologue: new Uint8Array(0),
    staticKey: noiseKeyPair(bytes(32)),
    ephemeralKey: noiseKeyPair(bytes(32)),
  });
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
  initiator.readMessage(responder.writeMessage(new Uint8Array(0)));
  responder.readMessage(initiator.writeMessage(new Uint8Array(0)));
  const sending = initiator.session();
  const receiving = responder.session();
  if (sending === undefined || receiving === undefined) throw new Error("no session");
  return { send: sending.send, receive: receiving.receive };
}
