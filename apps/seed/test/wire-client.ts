// A p2p client written from docs/WIRE.md alone: Noise XX on the noble primitives, the signed
// identity payload, u32 frames, sealed u16 chunks and msgpack messages. It dials (initiator)
// and listens (responder, to answer the seeds' dial-back) with one identity key.
import { randomBytes } from "node:crypto";
import { createServer, connect as dial, isIPv4, isIPv6, type Server, type Socket } from "node:net";
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { Packr } from "msgpackr";

/** A message (§4): a map with a string `type`. */
export type Message = { type: string; [field: string]: unknown };
export type Role = "seed" | "peer" | "client";
/** What the other side proved in its handshake payload (§8.1). */
export type Remote = { identityKey: string; role: Role; address: string };

const ROLES: Role[] = ["seed", "peer", "client"]; // on the wire: index + 1
const MAX_FRAME = 1 << 20; // §2
const CHUNK_PLAINTEXT = 65_519; // §8.2
const HANDSHAKE_TIMEOUT_MS = 5_000; // §8.1
const ascii = (text: string) => new TextEncoder().encode(text);
const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString("hex");
const concat = (...parts: Uint8Array[]) => new Uint8Array(Buffer.concat(parts));
const u16 = (n: number) => new Uint8Array([n >> 8, n & 0xff]);
const u32 = (n: number) => new Uint8Array([n >>> 24, (n >> 16) & 0xff, (n >> 8) & 0xff, n & 0xff]);
/** `host:port` as [port, host] for node:net (IPv6 without brackets). */
const hostPort = (address: string): [number, string] => {
  const at = address.lastIndexOf(":");
  return [Number(address.slice(at + 1)), address.slice(0, at).replace(/^\[|\]$/g, "")];
};
const packr = new Packr({
  useRecords: false, // plain maps, no msgpackr records (§3)
  mapsAsObjects: true,
  moreTypes: false,
  variableMapSize: true, // the smallest map header, as §6 shows
});
/** A message as its msgpack body (§3). */
export const encodeBody = (message: Message): Uint8Array => packr.pack(message);
/** Exactly one msgpack value whose `type` is a string, or a throw. */
export function decodeBody(body: Uint8Array): Message {
  const values = packr.unpackMultiple(Buffer.from(body));
  if (values.length !== 1 || typeof values[0]?.type !== "string")
    throw new Error("not one message");
  return values[0] as Message;
}

// ---- Noise_XX_25519_ChaChaPoly_SHA256 (Noise spec rev 34, §5) ----

/** A Noise CipherState (§5.1): ChaCha20-Poly1305 with nonce 0⁴ ‖ u64 LE n; no key: identity. */
export type Cipher = (ad: Uint8Array, data: Uint8Array, decrypt?: boolean) => Uint8Array;
export function cipherState(k?: Uint8Array): Cipher {
  let n = 0n;
  return (ad, data, decrypt = false) => {
    if (k === undefined) return data;
    const nonce = new Uint8Array(12);
    new DataView(nonce.buffer).setBigUint64(4, n++, true);
    const aead = chacha20poly1305(k, nonce, ad);
    return decrypt ? aead.decrypt(data) : aead.encrypt(data); // decrypt throws on a bad tag
  };
}

/** HKDF of the Noise spec (§4.3) with HMAC-SHA256: two 32-byte outputs. */
function hkdf(chainingKey: Uint8Array, ikm: Uint8Array): [Uint8Array, Uint8Array] {
  const temp = hmac(sha256, chainingKey, ikm);
  const first = hmac(sha256, temp, new Uint8Array([1]));
  return [first, hmac(sha256, temp, concat(first, new Uint8Array([2])))];
}

/** The XX pattern: the tokens of each handshake message, initiator first. */
const XX = [["e"], ["e", "ee", "s", "es"], ["s", "se"]] as const;

/** One side of a Noise XX handshake with the given keys (ephemeral fixed only for vectors). */
export function noiseXX(
  isInitiator: boolean,
  prologue: Uint8Array,
  staticSecret: Uint8Array,
  ephemeralSecret: Uint8Array,
) {
  const name = ascii("Noise_XX_25519_ChaChaPoly_SHA256"); // exactly 32 bytes: h = name
  let h: Uint8Array = name;
  let ck: Uint8Array = name;
  let cipher = cipherState();
  const s = { secret: staticSecret, public: x25519.getPublicKey(staticSecret) };
  const e = { secret: ephemeralSecret, public: x25519.getPublicKey(ephemeralSecret) };
  let re: Uint8Array = new Uint8Array();
  let rs: Uint8Array = new Uint8Array();
  let step = 0;
  const mixHash = (data: Uint8Array) => {
    h = sha256(concat(h, data));
  };
  const mixKey = (ikm: Uint8Array) => {
    const [nextCk, k] = hkdf(ck, ikm);
    ck = nextCk;
    cipher = cipherState(k);
  };
  /** EncryptAndHash, or DecryptAndHash with `decrypt`: h always absorbs the ciphertext. */
  const cryptAndHash = (data: Uint8Array, decrypt = false) => {
    const out = cipher(h, data, decrypt);
    mixHash(decrypt ? data : out);
    return out;
  };
  /** The DH of token ee, es or se, from this side's point of view. */
  const dh = (token: string) => {
    const [mine, theirs] =
      token === "ee" ? [e, re] : (token === "es") === isInitiator ? [e, rs] : [s, re];
    mixKey(x25519.getSharedSecret(mine.secret, theirs));
  };
  const tokens = (writing: boolean) => {
    if ((step % 2 === 0) !== (writing === isInitiator) || step > 2) throw new Error("out of turn");
    return XX[step++] ?? [];
  };
  mixHash(prologue);
  return {
    /** Writes the next handshake message carrying `payload`. */
    write(payload: Uint8Array): Uint8Array {
      const out: Uint8Array[] = [];
      for (const token of tokens(true)) {
        if (token === "e") {
          out.push(e.public);
          mixHash(e.public);
        } else if (token === "s") out.push(cryptAndHash(s.public));
        else dh(token);
      }
      return concat(...out, cryptAndHash(payload));
    },
    /** Reads the next handshake message; returns its payload (throws if it does not verify). */
    read(message: Uint8Array): Uint8Array {
      let rest = message;
      const take = (n: number) => {
        if (rest.length < n) throw new Error("handshake message too short");
        const part = rest.subarray(0, n);
        rest = rest.subarray(n);
        return part;
      };
      for (const token of tokens(false)) {
        if (token === "e") {
          re = take(32);
          mixHash(re);
        } else if (token === "s")
          rs = cryptAndHash(take(48), true); // s always follows a key here
        else dh(token);
      }
      return cryptAndHash(rest, true);
    },
    remoteStatic: () => rs,
    handshakeHash: () => h,
    /** Split(): [initiator → responder, responder → initiator]. */
    split: (): Cipher[] => hkdf(ck, new Uint8Array()).map((k) => cipherState(k)),
  };
}

// ---- the link handshake (§8.1) ----

/** This node: its Ed25519 identity, X25519 static key, role and listening address. */
export interface Me {
  identitySecret: Uint8Array;
  staticSecret: Uint8Array;
  role: Role;
  address: string;
}

export const prologue = (responderAddress: string) =>
  concat(ascii("p2p-link/v1"), u16(responderAddress.length), ascii(responderAddress));

/** role ‖ u16 address length ‖ address: the payload's tail and the end of what is signed. */
const roleAndAddress = (role: Role, address: string) =>
  concat(new Uint8Array([ROLES.indexOf(role) + 1]), u16(address.length), ascii(address));
const SIGNED = ascii("p2p-link/v1 static-key");

/** identity key ‖ Ed25519 signature ‖ role ‖ u16 address length ‖ address. */
export function identityPayload(me: Me): Uint8Array {
  const tail = roleAndAddress(me.role, me.address);
  const signature = ed25519.sign(
    concat(SIGNED, x25519.getPublicKey(me.staticSecret), tail),
    me.identitySecret,
  );
  return concat(ed25519.getPublicKey(me.identitySecret), signature, tail);
}

/** A peer's request signed by its identity key (§8.4): the `proof` a seed's acceptors check. */
export function signedRequest(
  me: Me,
  request: {
    kind: "register" | "leave" | "neighbours";
    incarnation: number | null;
    neighbours: string[] | null;
    requestId: string;
  },
): Record<string, unknown> {
  const publicKey = hex(ed25519.getPublicKey(me.identitySecret));
  const fields = [
    request.kind,
    me.address,
    publicKey,
    request.incarnation,
    request.neighbours,
    request.requestId,
  ];
  const bytes = new TextEncoder().encode(`p2p-request/v1\n${JSON.stringify(fields)}`);
  const signature = hex(ed25519.sign(bytes, me.identitySecret));
  return { ...request, address: me.address, publicKey, signature };
}

/** Canonical `host:port` (§1): IPv4 without leading zeros, lowercase IPv6/hostname, no zone. */
export function isCanonical(address: string): boolean {
  const match = /^(\[[^\]]+\]|[^:[\]]+):([1-9]\d{0,4})$/.exec(address);
  if (match === null || Number(match[2]) > 65_535) return false;
  const host = match[1] ?? "";
  if (host.startsWith("["))
    return isIPv6(host.slice(1, -1)) && !host.includes("%") && host === host.toLowerCase();
  if (/^[\d.]+$/.test(host))
    return isIPv4(host) && host.split(".").every((part) => String(Number(part)) === part);
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/.test(host);
}

/** Checks the other side's payload against the static key `rs` Noise proved; throws on a fault. */
export function checkPayload(payload: Uint8Array, rs: Uint8Array, ownKey: string): Remote {
  const length = payload.length >= 99 ? ((payload[97] ?? 0) << 8) | (payload[98] ?? 0) : -1;
  if (length < 1 || length > 256 || payload.length !== 99 + length)
    throw new Error("malformed payload");
  const key = payload.subarray(0, 32);
  const role = ROLES[(payload[96] ?? 0) - 1];
  const address = Buffer.from(payload.subarray(99)).toString("latin1");
  if (role === undefined || !isCanonical(address))
    throw new Error(`bad role or address ${address}`);
  if (ed25519.Point.fromBytes(key).isSmallOrder() || hex(key) === ownKey)
    throw new Error("bad identity key");
  const signed = concat(SIGNED, rs, payload.subarray(96));
  if (!ed25519.verify(payload.subarray(32, 96), signed, key)) throw new Error("bad signature");
  return { identityKey: hex(key), role, address };
}

// ---- frames (§2) and sealed frames (§8.2) over a socket ----

/** A TCP socket read and written as u32-length frames. */
class Framed {
  private buffer = Buffer.alloc(0);
  private readonly frames: Uint8Array[] = [];
  private wake = () => {};
  closed = false;
  constructor(readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on("error", () => {});
    socket.on("close", () => {
      this.closed = true;
      this.wake();
    });
    socket.on("data", (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      while (this.buffer.length >= 4) {
        const length = this.buffer.readUInt32BE(0);
        if (length === 0 || length > MAX_FRAME) {
          socket.destroy(); // refused from the header alone
          return;
        }
        if (this.buffer.length < 4 + length) break;
        this.frames.push(new Uint8Array(this.buffer.subarray(4, 4 + length)));
        this.buffer = this.buffer.subarray(4 + length);
      }
      this.wake();
    });
  }
  write(body: Uint8Array) {
    this.socket.write(concat(u32(body.length), body));
  }
  /** The next frame; rejects once the connection is closed and nothing is left. */
  async read(): Promise<Uint8Array> {
    for (;;) {
      const frame = this.frames.shift();
      if (frame !== undefined) return frame;
      if (this.closed) throw new Error("connection closed");
      await new Promise<void>((resolve) => {
        this.wake = resolve;
      });
    }
  }
}

/** A sealed body (§8.2): u16-length chunks of at most 65,519 plaintext bytes each. */
export function seal(cipher: Cipher, plaintext: Uint8Array): Uint8Array {
  const chunks: Uint8Array[] = [];
  for (let at = 0; at < plaintext.length; at += CHUNK_PLAINTEXT) {
    const sealed = cipher(new Uint8Array(), plaintext.subarray(at, at + CHUNK_PLAINTEXT));
    chunks.push(u16(sealed.length), sealed);
  }
  return concat(...chunks);
}

/** Opens a sealed body; throws on a bad chunk length or tag, or an empty body. */
export function openSealed(cipher: Cipher, body: Uint8Array): Uint8Array {
  const parts: Uint8Array[] = [];
  for (let at = 0; at < body.length; ) {
    const length = at + 2 <= body.length ? ((body[at] ?? 0) << 8) | (body[at + 1] ?? 0) : -1;
    if (length < 16 || at + 2 + length > body.length) throw new Error("bad chunk");
    parts.push(cipher(new Uint8Array(), body.subarray(at + 2, at + 2 + length), true));
    at += 2 + length;
  }
  if (parts.length === 0) throw new Error("empty sealed frame");
  return concat(...parts);
}

/** A connection after the handshake: one msgpack message per sealed frame. */
export type Session = ReturnType<typeof session>;

function session(framed: Framed, sender: Cipher, receiver: Cipher, remote: Remote) {
  /** The next message; a frame that does not open or decode closes the connection. */
  const receive = async (): Promise<Message> => {
    const body = await framed.read();
    try {
      return decodeBody(openSealed(receiver, body));
    } catch (error) {
      framed.socket.destroy();
      throw error;
    }
  };
  const send = (message: Message) => framed.write(seal(sender, encodeBody(message)));
  return {
    remote,
    send,
    receive,
    /** Sends a request; resolves with the answer of the same `requestId`, or a `node.refused`. */
    async request(message: Message & { requestId: string }): Promise<Message> {
      send(message);
      for (;;) {
        const answer = await receive();
        if (answer.type === "node.refused" || answer.requestId === message.requestId) return answer;
      }
    },
    close: () => framed.socket.end(),
  };
}

/** Runs the link handshake on a connected socket (§8.1); `dialled` makes this side the initiator. */
async function handshake(
  socket: Socket,
  me: Me,
  check: (remote: Remote) => void,
  dialled?: string,
): Promise<Session> {
  const framed = new Framed(socket);
  const timer = setTimeout(() => socket.destroy(), HANDSHAKE_TIMEOUT_MS);
  try {
    const noise = noiseXX(
      dialled !== undefined,
      prologue(dialled ?? me.address),
      me.staticSecret,
      randomBytes(32),
    );
    const ownKey = hex(ed25519.getPublicKey(me.identitySecret));
    const theirs = (payload: Uint8Array) => checkPayload(payload, noise.remoteStatic(), ownKey);
    let remote: Remote;
    if (dialled !== undefined) {
      framed.write(noise.write(new Uint8Array())); // message 1: no payload
      remote = theirs(noise.read(await framed.read()));
      if (remote.address !== dialled) throw new Error(`${dialled} answered as ${remote.address}`);
      check(remote);
      framed.write(noise.write(identityPayload(me)));
    } else {
      if (noise.read(await framed.read()).length > 0) throw new Error("message 1 has a payload");
      framed.write(noise.write(identityPayload(me)));
      remote = theirs(noise.read(await framed.read()));
      check(remote);
    }
    const [toResponder, toInitiator] = noise.split();
    return dialled !== undefined
      ? session(framed, toResponder!, toInitiator!, remote)
      : session(framed, toInitiator!, toResponder!, remote);
  } catch (error) {
    socket.destroy(); // a failed handshake sends nothing more
    throw error;
  } finally {
    clearTimeout(timer);
  }
}

/** A peer (or client) with one identity: dials seeds and answers dial-backs on its listener. */
export class WireClient {
  readonly me: Me;
  /** The sessions accepted on the listener (the seeds' dial-backs), in order. */
  readonly accepted: Session[] = [];
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  constructor(
    address: string,
    /** Pinned seeds: address → identity key (hex). */
    private readonly seeds: ReadonlyMap<string, string>,
    role: Role = "peer",
  ) {
    this.me = { identitySecret: randomBytes(32), staticSecret: randomBytes(32), role, address };
  }
  get identityKey(): string {
    return hex(ed25519.getPublicKey(this.me.identitySecret));
  }
  /** A seed must prove its pinned key and role seed; no one else may claim role seed. */
  private checkSeed = (remote: Remote) => {
    const pinned = this.seeds.get(remote.address);
    if (
      (pinned !== undefined || remote.role === "seed") &&
      (remote.role !== "seed" || remote.identityKey !== pinned)
    )
      throw new Error(`${remote.address} did not prove its pinned seed key`);
  };
  private track(socket: Socket): Socket {
    this.sockets.add(socket);
    socket.on("close", () => this.sockets.delete(socket));
    return socket;
  }
  /** Listens on this client's address, answering every handshake as responder. */
  async listen(): Promise<void> {
    const server = createServer((socket) => {
      handshake(this.track(socket), this.me, this.checkSeed).then(
        (session) => this.accepted.push(session),
        () => {},
      );
    });
    this.server = server;
    await new Promise<void>((done, fail) => {
      server.once("error", fail);
      server.listen(...hostPort(this.me.address), done);
    });
  }
  /** Dials `address` as initiator; a pinned seed must prove its pinned key. */
  async dial(address: string): Promise<Session> {
    const socket = this.track(dial(...hostPort(address)));
    await new Promise<void>((done, fail) => {
      socket.once("connect", done).once("error", fail);
    });
    return handshake(socket, this.me, this.checkSeed, address);
  }
  /** Closes the listener and every connection. */
  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    await new Promise<void>((done) => (this.server ? this.server.close(() => done()) : done()));
  }
}
