// The client written from docs/WIRE.md reproduces the Noise vectors of packages/wire/testdata
// byte for byte, and its frames, sealing and payload checks do what WIRE.md says.
import { readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { afterEach, describe, expect, it } from "vitest";
import { freePorts } from "./processes.js";
import {
  checkPayload,
  cipherState,
  decodeBody,
  encodeBody,
  identityPayload,
  isCanonical,
  type Me,
  noiseXX,
  openSealed,
  prologue,
  seal,
  WireClient,
} from "./wire-client.js";

const vectors = resolve(
  dirname(fileURLToPath(import.meta.url)),
  "../../../packages/wire/testdata/noise",
);
const load = (name: string) => JSON.parse(readFileSync(join(vectors, name), "utf8"));
const bytes = (hex: string) => new Uint8Array(Buffer.from(hex, "hex"));
const hex = (data: Uint8Array) => Buffer.from(data).toString("hex");
const utf8 = (text: string) => new TextEncoder().encode(text);
const keyOf = (secret: Uint8Array) => hex(ed25519.getPublicKey(secret));

describe("Noise_XX_25519_ChaChaPoly_SHA256 written from the spec", () => {
  it("reproduces the cacophony vector: three handshake messages, the hash, transport messages", () => {
    const vector = load("cacophony-xx-25519-chachapoly-sha256.json");
    const initiator = noiseXX(
      true,
      bytes(vector.init_prologue),
      bytes(vector.init_static),
      bytes(vector.init_ephemeral),
    );
    const responder = noiseXX(
      false,
      bytes(vector.resp_prologue),
      bytes(vector.resp_static),
      bytes(vector.resp_ephemeral),
    );
    const messages: { payload: string; ciphertext: string }[] = vector.messages;
    messages.slice(0, 3).forEach(({ payload, ciphertext }, index) => {
      const [writer, reader] = index % 2 === 0 ? [initiator, responder] : [responder, initiator];
      expect(hex(writer.write(bytes(payload))), `message ${index}`).toBe(ciphertext);
      expect(hex(reader.read(bytes(ciphertext)))).toBe(payload);
    });
    expect(hex(initiator.handshakeHash())).toBe(vector.handshake_hash);
    expect(hex(responder.handshakeHash())).toBe(vector.handshake_hash);
    expect(hex(initiator.remoteStatic())).toBe(hex(x25519.getPublicKey(bytes(vector.resp_static))));
    const [initiatorSends, responderReceives] = [initiator.split()[0]!, responder.split()[0]!];
    const [responderSends, initiatorReceives] = [responder.split()[1]!, initiator.split()[1]!];
    // Split() is deterministic, so each side's ciphers are taken once above and used in turn.
    messages.slice(3).forEach(({ payload, ciphertext }, index) => {
      const [send, receive] =
        index % 2 === 0 ? [responderSends, initiatorReceives] : [initiatorSends, responderReceives];
      expect(hex(send(new Uint8Array(), bytes(payload))), `transport ${index}`).toBe(ciphertext);
      expect(hex(receive(new Uint8Array(), bytes(ciphertext), true))).toBe(payload);
    });
  });

  it("reproduces every byte of the link handshake vector and learns what the responder learned", () => {
    const vector = load("link-handshake-vector.json");
    const side = (name: "initiator" | "responder"): Me => ({
      identitySecret: bytes(vector[name].identitySecret),
      staticSecret: bytes(vector[name].staticSecret),
      role: vector[name].role,
      address: vector[name].address,
    });
    const [me, seed] = [side("initiator"), side("responder")];
    const start = prologue(seed.address);
    const initiator = noiseXX(
      true,
      start,
      me.staticSecret,
      bytes(vector.initiator.ephemeralSecret),
    );
    const responder = noiseXX(
      false,
      start,
      seed.staticSecret,
      bytes(vector.responder.ephemeralSecret),
    );

    const message1 = initiator.write(new Uint8Array());
    expect(hex(message1)).toBe(vector.messages[0]);
    expect(responder.read(message1)).toHaveLength(0);

    const seedPayload = identityPayload(seed);
    expect(seedPayload).toHaveLength(99 + seed.address.length);
    const message2 = responder.write(seedPayload);
    expect(hex(message2)).toBe(vector.messages[1]);
    expect(message2).toHaveLength(32 + 48 + seedPayload.length + 16);
    const seedProved = checkPayload(
      initiator.read(message2),
      initiator.remoteStatic(),
      keyOf(me.identitySecret),
    );
    expect(seedProved).toEqual({
      identityKey: keyOf(seed.identitySecret),
      role: "seed",
      address: seed.address,
    });

    const message3 = initiator.write(identityPayload(me));
    expect(hex(message3)).toBe(vector.messages[2]);
    expect(message3).toHaveLength(48 + 99 + me.address.length + 16);
    const learned = checkPayload(
      responder.read(message3),
      responder.remoteStatic(),
      keyOf(seed.identitySecret),
    );
    expect(learned).toEqual(vector.responderLearned);
    expect(hex(initiator.handshakeHash())).toBe(vector.handshakeHash);
    expect(hex(responder.handshakeHash())).toBe(vector.handshakeHash);

    // The first transport message, bare and then sealed as a frame (§8.1: 00 00 00 1d 00 1b …).
    const [toSeed] = initiator.split();
    const [fromPeer] = responder.split();
    const sealed = seal(toSeed!, utf8(vector.firstTransportMessage.plaintext));
    expect(hex(sealed)).toBe(`001b${vector.firstTransportMessage.ciphertext}`);
    expect(new TextDecoder().decode(openSealed(fromPeer!, sealed))).toBe("hello, seed");
  });
});

describe("identity payloads, sealed frames and messages (WIRE.md §3, §6, §8)", () => {
  const me: Me = {
    identitySecret: new Uint8Array(32).fill(7),
    staticSecret: new Uint8Array(32).fill(8),
    role: "peer",
    address: "10.0.0.9:7000",
  };
  const staticKey = x25519.getPublicKey(me.staticSecret);

  it("refuses a payload signed over another static key, its own key, or a non-canonical address", () => {
    const payload = identityPayload(me);
    expect(checkPayload(payload, staticKey, "00".repeat(32)).address).toBe(me.address);
    expect(() => checkPayload(payload, new Uint8Array(32).fill(9), "00".repeat(32))).toThrow(
      /signature/,
    );
    expect(() => checkPayload(payload, staticKey, keyOf(me.identitySecret))).toThrow(/key/);
    const bad = identityPayload({ ...me, address: "10.0.0.09:7000" });
    expect(() => checkPayload(bad, staticKey, "00".repeat(32))).toThrow(/address/);
    expect(() => checkPayload(payload.subarray(0, 105), staticKey, "")).toThrow(/malformed/);
  });

  it("knows canonical addresses", () => {
    for (const good of ["10.0.0.1:7000", "[::1]:7000", "seed-1.example.org:7000", "0.0.0.0:1"])
      expect(isCanonical(good), good).toBe(true);
    for (const bad of ["10.0.0.01:7000", "[::1%lo]:7000", "[::A]:7000", "Seed:1", "h:0", "h:07"])
      expect(isCanonical(bad), bad).toBe(false);
  });

  it("encodes §6's liveness.ping as 49 bytes and seals it as one 71-byte frame", () => {
    const body = encodeBody({ type: "liveness.ping", from: "10.0.0.1:7000", sequence: 7 });
    expect(hex(body)).toBe(
      "83a474797065ad6c6976656e6573732e70696e67a466726f6dad31302e302e302e313a37303030a873657175656e636507",
    );
    const sealed = seal(cipherState(new Uint8Array(32)), body);
    expect(sealed).toHaveLength(2 + 49 + 16);
    expect(hex(sealed.subarray(0, 2))).toBe("0041");
    expect(decodeBody(body)).toEqual({ type: "liveness.ping", from: "10.0.0.1:7000", sequence: 7 });
    expect(() => decodeBody(new Uint8Array([...body, 0xc0]))).toThrow(/one message/);
  });

  it("splits a large message into 65,519-byte chunks and refuses a tampered or truncated one", () => {
    const key = new Uint8Array(32).fill(3);
    const message = new Uint8Array(65_519 * 2 + 5).fill(42);
    const sealed = seal(cipherState(key), message);
    expect(sealed).toHaveLength(message.length + 18 * 3);
    expect(openSealed(cipherState(key), sealed)).toEqual(message);
    const tampered = sealed.slice();
    tampered[100] = (tampered[100] ?? 0) ^ 1;
    expect(() => openSealed(cipherState(key), tampered)).toThrow();
    expect(() => openSealed(cipherState(key), sealed.subarray(0, 1000))).toThrow(/chunk/);
    expect(() => openSealed(cipherState(key), new Uint8Array())).toThrow(/empty/);
  });
});

describe("two clients over TCP", () => {
  const clients: WireClient[] = [];
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
  });

  it("one dials the other's listener; both learn each other's identity and exchange messages", async () => {
    const [portA, portB] = await freePorts(2);
    const listener = new WireClient(`127.0.0.1:${portA}`, new Map());
    const dialler = new WireClient(`127.0.0.1:${portB}`, new Map());
    clients.push(listener, dialler);
    await listener.listen();
    const session = await dialler.dial(listener.me.address);
    expect(session.remote).toEqual({
      identityKey: listener.identityKey,
      role: "peer",
      address: listener.me.address,
    });
    session.send({ type: "test.hello", text: "x".repeat(70_000) });
    await expect.poll(() => listener.accepted.length).toBe(1);
    const accepted = listener.accepted[0]!;
    expect(accepted.remote.identityKey).toBe(dialler.identityKey);
    expect(await accepted.receive()).toEqual({ type: "test.hello", text: "x".repeat(70_000) });
    accepted.send({ type: "test.reply", n: 1 });
    expect(await session.receive()).toEqual({ type: "test.reply", n: 1 });
  });

  it("a pinned seed address answered by a peer, or a listener that is not the one dialled, fails the handshake", async () => {
    const [portA, portB] = await freePorts(2);
    const listener = new WireClient(`127.0.0.1:${portA}`, new Map());
    const pinned = new Map([[`127.0.0.1:${portA}`, "00".repeat(32)]]);
    const dialler = new WireClient(`127.0.0.1:${portB}`, pinned);
    clients.push(listener, dialler);
    await listener.listen();
    await expect(dialler.dial(listener.me.address)).rejects.toThrow(/pinned seed key/);
    // The listener now takes itself for another address: its prologue differs, message 2 fails.
    listener.me.address = `127.0.0.1:${portB}`;
    const stranger = new WireClient("127.0.0.1:1", new Map());
    clients.push(stranger);
    await expect(stranger.dial(`127.0.0.1:${portA}`)).rejects.toThrow();
    expect(listener.accepted).toHaveLength(0);
  });
});
