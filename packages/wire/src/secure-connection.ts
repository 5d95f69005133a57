import { allocBytes } from "./bytes.js";
import type { Clock } from "./clock.js";
import { EventSet } from "./connection-events.js";
import { P2pError, type WireErrorCode } from "./errors.js";
import {
  createLinkHandshake,
  type LinkHandshakeConfig,
  type LinkHandshakeDependencies,
  type LinkHandshakeInput,
  type LinkHandshakeOutput,
  type LinkIdentity,
} from "./link-handshake.js";
import { createMachineHost } from "./machine.js";
import {
  NOISE_MAX_MESSAGE_BYTES,
  NOISE_TAG_BYTES,
  type NoiseCipher,
  type NoiseCrypto,
  type NoiseKeyPair,
  noiseKeyPair,
} from "./noise.js";
import type { CloseInfo, Connection, ConnectionEvents } from "./transport.js";

/** Most plaintext bytes one sealed chunk carries (a Noise message is at most 65,535 bytes). */
export const SECURE_CHUNK_PLAINTEXT_BYTES = NOISE_MAX_MESSAGE_BYTES - NOISE_TAG_BYTES;
/** Bytes a sealed frame adds per chunk: the u16 length and the authentication tag. */
export const SECURE_CHUNK_OVERHEAD_BYTES = 2 + NOISE_TAG_BYTES;

/** What {@link secureConnection} needs. */
export interface SecureConnectionOptions {
  /** The raw connection; nothing it carries before the handshake ends is delivered. */
  readonly connection: Connection;
  readonly clock: Clock;
  /** This side of the handshake: initiator or responder, own address and role, what to expect. */
  readonly handshake: LinkHandshakeConfig;
  /** This node's identity key (public key and a signing function). */
  readonly identity: LinkHandshakeDependencies["identity"];
  readonly verify: LinkHandshakeDependencies["verify"];
  /** This process's X25519 static key pair (one per process, from {@link noiseKeyPair}). */
  readonly staticKey: NoiseKeyPair;
  /** Cryptographically secure random bytes (the ephemeral key of this handshake). */
  readonly randomBytes: (length: number) => Uint8Array;
  /** X25519 and ChaCha20-Poly1305 (default: `@noble`; the apps inject Node's native ones). */
  readonly crypto?: NoiseCrypto;
}

/** Where {@link secureConnection} reports its outcome, synchronously, exactly once. */
export interface SecureConnectionHandlers {
  /**
   * The handshake succeeded: `peer` is who the other end proved to be, and `connection`
   * carries plaintext frames that are encrypted and authenticated on the wire. Subscribe to its
   * `message` event inside this call: frames that follow the handshake may already be waiting.
   */
  established(peer: LinkIdentity, connection: Connection): void;
  /** The handshake failed; the raw connection is aborted with `error` right after this call. */
  failed(error: P2pError): void;
}

const failure = (code: WireErrorCode, message: string) => new P2pError(code, message);

/** Seals `plaintext` as one frame body: chunks of u16 BE length ‖ Noise transport message. */
export function sealFrame(cipher: NoiseCipher, plaintext: Uint8Array): Uint8Array {
  const sealed: Uint8Array[] = [];
  let total = 0;
  for (let offset = 0; offset === 0 || offset < plaintext.length; ) {
    const end = Math.min(plaintext.length, offset + SECURE_CHUNK_PLAINTEXT_BYTES);
    const chunk = cipher.encrypt(plaintext.subarray(offset, end));
    sealed.push(chunk);
    total += 2 + chunk.length;
    offset = end;
    if (end === plaintext.length) break;
  }
  // One allocation for the whole frame: each chunk is copied once, behind its length.
  const frame = allocBytes(total);
  let at = 0;
  for (const chunk of sealed) {
    frame[at] = chunk.length >>> 8;
    frame[at + 1] = chunk.length & 0xff;
    frame.set(chunk, at + 2);
    at += 2 + chunk.length;
  }
  return frame;
}

/** Opens a frame body made by {@link sealFrame}; throws `FRAME_UNAUTHENTICATED` on any tampering. */
export function openFrame(cipher: NoiseCipher, frame: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  let offset = 0;
  while (offset < frame.length) {
    if (offset + 2 > frame.length) throw failure("FRAME_UNAUTHENTICATED", "a truncated chunk");
    const length = new DataView(frame.buffer, frame.byteOffset + offset).getUint16(0);
    const end = offset + 2 + length;
    if (length < NOISE_TAG_BYTES || end > frame.length) {
      throw failure("FRAME_UNAUTHENTICATED", "a chunk length that does not fit the frame");
    }
    let opened: Uint8Array;
    try {
      opened = cipher.decrypt(frame.subarray(offset + 2, end));
    } catch {
      throw failure("FRAME_UNAUTHENTICATED", "a frame failed authentication");
    }
    parts.push(opened);
    total += opened.length;
    offset = end;
  }
  if (parts.length === 0) throw failure("FRAME_UNAUTHENTICATED", "an empty sealed frame");
  if (parts.length === 1) return parts[0] as Uint8Array;
  const plaintext = allocBytes(total);
  let at = 0;
  for (const part of parts) {
    plaintext.set(part, at);
    at += part.length;
  }
  return plaintext;
}

/**
 * Runs the link handshake ({@link createLinkHandshake}) over a raw connection, then wraps it
 * so that every frame is sealed with the session's keys. Each handshake message is one frame
 * body; after it, each frame body is one or more chunks (u16 BE length ‖ ChaCha20-Poly1305
 * message, nonces counting from 0 per direction) that together carry one plaintext frame.
 * A frame that fails authentication, and a failed or timed-out handshake, abort the raw
 * connection (nothing sent before the handshake ends is ever delivered).
 */
export function secureConnection(
  options: SecureConnectionOptions,
  handlers: SecureConnectionHandlers,
): void {
  const { connection, clock } = options;
  const machine = createLinkHandshake(options.handshake, {
    identity: options.identity,
    verify: options.verify,
    staticKey: options.staticKey,
    ephemeralKey: noiseKeyPair(options.randomBytes(32), options.crypto),
    ...(options.crypto === undefined ? {} : { crypto: options.crypto }),
  });
  let secure: ReturnType<typeof wrap> | undefined;
  let isSettled = false;

  const settleFailed = (error: P2pError): void => {
    if (isSettled) return;
    isSettled = true;
    host.stop();
    handlers.failed(error); // first, so the reason is logged before the other end sees the close
    connection.abort(error);
  };

  const apply = (output: LinkHandshakeOutput): void => {
    switch (output.type) {
      case "send":
        try {
          connection.send(output.message);
        } catch (error) {
          settleFailed(P2pError.is(error) ? error : failure("HANDSHAKE_FAILED", String(error)));
        }
        return;
      case "established":
        if (isSettled) return;
        isSettled = true;
        host.stop();
        secure = wrap(connection, output.session.send, output.session.receive);
        handlers.established(output.peer, secure.connection);
        return;
      case "failed":
        settleFailed(failure("HANDSHAKE_FAILED", `handshake failed: ${output.reason}`));
        return;
    }
  };
  const host = createMachineHost<LinkHandshakeInput, LinkHandshakeOutput>({
    clock,
    machine,
    apply,
  });

  connection.on("message", (payload) => {
    if (secure !== undefined) {
      secure.receive(payload);
      return;
    }
    if (!isSettled) host.step({ type: "receive", now: clock.now(), message: payload });
  });
  connection.on("close", (info) => {
    if (secure !== undefined) {
      secure.closed(info);
      return;
    }
    if (isSettled) return;
    isSettled = true;
    host.stop();
    handlers.failed(
      info.error ??
        failure("HANDSHAKE_FAILED", `the connection closed during the handshake (${info.reason})`),
    );
  });
  host.step({ type: "start", now: clock.now() });
}

/** The sealed view of an established connection. */
function wrap(raw: Connection, sender: NoiseCipher, receiver: NoiseCipher) {
  const events = new EventSet<ConnectionEvents>();
  let protocolError: P2pError | undefined;
  raw.on("drain", () => events.emit("drain"));
  const connection: Connection = {
    localAddress: raw.localAddress,
    remoteAddress: raw.remoteAddress,
    get state() {
      return raw.state;
    },
    send(payload) {
      if (payload.length === 0) throw failure("FRAME_EMPTY", "an empty frame");
      if (raw.state !== "open") throw failure("CONNECTION_CLOSED", "the connection is closed");
      return raw.send(sealFrame(sender, payload));
    },
    close: () => raw.close(),
    abort: (error) => raw.abort(error),
    on: (event, listener) => events.on(event, listener),
  };
  return {
    connection,
    receive(payload: Uint8Array): void {
      if (protocolError !== undefined) return;
      let plaintext: Uint8Array;
      try {
        plaintext = openFrame(receiver, payload);
      } catch (error) {
        protocolError = P2pError.is(error)
          ? error
          : failure("FRAME_UNAUTHENTICATED", String(error));
        raw.abort(protocolError);
        return;
      }
      events.emit("message", plaintext);
    },
    closed(info: CloseInfo): void {
      events.emit(
        "close",
        protocolError === undefined ? info : { reason: "protocol-error", error: protocolError },
      );
      events.clear();
    },
  };
}
