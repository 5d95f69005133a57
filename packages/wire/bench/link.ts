// Benchmarks of the authenticated links of @p2p/wire, each against a plain baseline measured in
// the same run: (a) the time to open a connection with the link handshake (Noise XX with
// Ed25519 identities, `secureConnection` on both sides) against a plain connection, over the
// in-memory transport and TCP loopback; (b) the CPU cost of one sealed frame (`sealFrame` +
// `openFrame`) against plain framing of the same plaintext.
// Run: pnpm bench wire/link   (--quick: 20 connections of each kind, shorter rounds)
import { x25519 } from "@noble/curves/ed25519.js";
import { printRow, quantile, ratio, runBench, scaled } from "../../../scripts/bench-support.js";
import {
  type Connection,
  createCodec,
  createFrameDecoder,
  createMemoryNetwork,
  encodeFrame,
  type LinkHandshakeConfig,
  openFrame,
  type P2pError,
  SECURE_CHUNK_OVERHEAD_BYTES,
  sealFrame,
  secureConnection,
  systemClock,
  type Transport,
} from "../src/index.js";
import { createTcpTransport } from "../src/tcp.js";
import { GossipSchema } from "./fixtures.js";
import {
  equal,
  handshakeInMemory,
  nobleSide,
  nodeCryptoSide,
  random,
  type Side,
  typicalMessage,
} from "./link-sides.js";

/** Connections opened per kind (plain, secured) and transport; the first `WARMUP` are dropped. */
const CONNECTIONS = scaled(300, 20);
const WARMUP = scaled(30, 3);
/** Rounds and time per round of the frame CPU measurements. */
const ROUNDS = scaled(7, 2);
const ROUND_MS = scaled(150, 40);
/** A connection (dial, handshake, round trip) that takes longer than this fails the bench. */
const CONNECTION_TIMEOUT_MS = 10_000;

function withTimeout<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`${what}: no result in ${CONNECTION_TIMEOUT_MS} ms`)),
      CONNECTION_TIMEOUT_MS,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

// ---- (a) handshake time per connection ----

interface ConnectionSample {
  /** Dial → both sides established (secured only). */
  readonly handshakeMs: number;
  /** Dial → the reply to the first frame arrived. */
  readonly totalMs: number;
}

/** One transport under test: where the servers listen and how the client reaches them. */
interface Endpoints {
  readonly name: string;
  readonly server: Transport;
  readonly client: Transport;
  /** Address to listen on (port 0: any free port). */
  readonly listenAt: (port: number) => string;
  /** The client's claimed listening address (never dialled back here). */
  readonly clientAddress: string;
}

async function handshakeBench(endpoints: Endpoints, ping: Uint8Array): Promise<string[]> {
  const server = nobleSide();
  const client = nobleSide();
  let serverEstablishedAt = 0;
  let serverFailure: P2pError | undefined;

  // Plain: echo every frame.
  const plainListener = await endpoints.server.listen(endpoints.listenAt(5000), (raw) => {
    raw.on("message", (payload) => raw.send(payload));
  });
  // Secured: run the responder side of the handshake, then echo every (opened) frame.
  let secureAddress = "";
  const secureListener = await endpoints.server.listen(endpoints.listenAt(5001), (raw) => {
    secureConnection(
      {
        connection: raw,
        clock: systemClock,
        handshake: { isInitiator: false, self: secureAddress, role: "seed" },
        identity: server.identity,
        verify: server.verify,
        staticKey: server.staticKey,
        randomBytes: random,
        ...(server.crypto === undefined ? {} : { crypto: server.crypto }),
      },
      {
        established(_peer, connection) {
          serverEstablishedAt = performance.now();
          connection.on("message", (payload) => connection.send(payload));
        },
        failed(error) {
          serverFailure = error;
        },
      },
    );
  });
  secureAddress = secureListener.address;

  /** Resolves with the first frame `connection` receives. */
  const nextFrame = (connection: Connection): Promise<Uint8Array> =>
    new Promise((resolve, reject) => {
      const offMessage = connection.on("message", (payload) => {
        offMessage();
        offClose();
        resolve(payload);
      });
      const offClose = connection.on("close", (info) => {
        offMessage();
        reject(new Error(`closed before the reply (${info.reason})`));
      });
    });

  const plainOnce = async (): Promise<ConnectionSample> => {
    const started = performance.now();
    const connection = await endpoints.client.dial(plainListener.address);
    const reply = nextFrame(connection);
    connection.send(ping);
    const echoed = await reply;
    const totalMs = performance.now() - started;
    if (!equal(echoed, ping)) throw new Error("plain: the echo differs from the frame sent");
    await connection.close();
    return { handshakeMs: 0, totalMs };
  };

  const secureOnce = async (): Promise<ConnectionSample> => {
    serverEstablishedAt = 0;
    const started = performance.now();
    const raw = await endpoints.client.dial(secureAddress);
    const handshake: LinkHandshakeConfig = {
      isInitiator: true,
      self: endpoints.clientAddress,
      role: "peer",
      dialled: secureAddress,
      expectedIdentityKey: server.identity.publicKey,
    };
    const connection = await new Promise<Connection>((resolve, reject) =>
      secureConnection(
        {
          connection: raw,
          clock: systemClock,
          handshake,
          identity: client.identity,
          verify: client.verify,
          staticKey: client.staticKey,
          randomBytes: random,
          ...(client.crypto === undefined ? {} : { crypto: client.crypto }),
        },
        {
          established: (peer, secured) => {
            if (peer.identityKey !== server.identity.publicKey) {
              reject(new Error("the server proved another key"));
            } else resolve(secured);
          },
          failed: reject,
        },
      ),
    );
    const reply = nextFrame(connection);
    connection.send(ping);
    const echoed = await reply;
    const totalMs = performance.now() - started;
    if (serverFailure !== undefined) throw serverFailure;
    if (serverEstablishedAt === 0) throw new Error("the server side never established");
    if (!equal(echoed, ping)) throw new Error("secured: the echo differs from the frame sent");
    await connection.close();
    return { handshakeMs: serverEstablishedAt - started, totalMs };
  };

  // Alternate the two kinds, so a busy moment of the machine slows both alike.
  const plain: ConnectionSample[] = [];
  const secured: ConnectionSample[] = [];
  for (let index = 0; index < CONNECTIONS + WARMUP; index++) {
    const p = await withTimeout(plainOnce(), `${endpoints.name} plain connection`);
    const s = await withTimeout(secureOnce(), `${endpoints.name} secured connection`);
    if (index >= WARMUP) {
      plain.push(p);
      secured.push(s);
    }
  }
  await plainListener.close();
  await secureListener.close();

  const sorted = (samples: ConnectionSample[], pick: (s: ConnectionSample) => number) =>
    samples.map(pick).sort((a, b) => a - b);
  const plainTotal = sorted(plain, (s) => s.totalMs);
  const securedTotal = sorted(secured, (s) => s.totalMs);
  const securedHandshake = sorted(secured, (s) => s.handshakeMs);
  const base50 = quantile(plainTotal, 0.5);
  const base99 = quantile(plainTotal, 0.99);
  const line = (name: string, values: number[]) => {
    const p50 = quantile(values, 0.5);
    const p99 = quantile(values, 0.99);
    const times50 = ratio(p50, base50, `${endpoints.name}, ${name}, p50`);
    const times99 = ratio(p99, base99, `${endpoints.name}, ${name}, p99`);
    return `  ${name.padEnd(56)} ${p50.toFixed(3).padStart(8)} ${p99.toFixed(3).padStart(8)}   ${times50.toFixed(1).padStart(6)}× ${times99.toFixed(1).padStart(6)}×`;
  };
  return [
    `${endpoints.name}: ${CONNECTIONS} connections of each kind, one after another (alternating), ${ping.length} B frame`,
    `  ${"".padEnd(56)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}   ${"p50 vs".padStart(7)} ${"p99 vs".padStart(7)} plain`,
    line("plain: dial + one round-trip frame (baseline)", plainTotal),
    line("secured: dial + handshake, both sides established", securedHandshake),
    line("secured: dial + handshake + one round-trip sealed frame", securedTotal),
  ];
}

function handshakeCpuBench(): string[] {
  const count = scaled(150, 15);
  const measure = (make: () => Side): number[] => {
    const initiator = make();
    const responder = make();
    for (let i = 0; i < 10; i++) handshakeInMemory(initiator, responder);
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      handshakeInMemory(initiator, responder);
      samples.push(performance.now() - started);
    }
    return samples.sort((x, y) => x - y);
  };
  const noble = measure(nobleSide);
  const node = measure(nodeCryptoSide);
  const line = (name: string, values: number[]) =>
    `  ${name.padEnd(56)} ${quantile(values, 0.5).toFixed(3).padStart(8)} ${quantile(values, 0.99).toFixed(3).padStart(8)}`;

  // What one handshake is made of: per side 4 X25519 operations (ephemeral key, 3 DH), one
  // Ed25519 signature and one verification.
  const median = (run: () => unknown): number => {
    const samples: number[] = [];
    for (let i = 0; i < count; i++) {
      const started = performance.now();
      run();
      samples.push(performance.now() - started);
    }
    return quantile(
      samples.slice(10).sort((x, y) => x - y),
      0.5,
    );
  };
  const secret = random(32);
  const peerPublic = x25519.getPublicKey(random(32));
  const nobleId = nobleSide();
  const nodeId = nodeCryptoSide();
  const data = random(80);
  const nobleSignature = nobleId.identity.sign(data);
  const nodeSignature = nodeId.identity.sign(data);
  if (
    !nobleId.verify(nobleId.identity.publicKey, data, nobleSignature) ||
    !nodeId.verify(nodeId.identity.publicKey, data, nodeSignature)
  ) {
    throw new Error("a signature did not verify");
  }
  const primitive = (name: string, ms: number) =>
    `  ${name.padEnd(56)} ${ms.toFixed(3).padStart(8)}`;
  return [
    `handshake CPU: both machines of one link in this thread, no transport (${count} handshakes)`,
    `  ${"".padEnd(56)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)}`,
    line("Ed25519 identities on @noble/curves (links default)", noble),
    line("everything on node:crypto (as the apps)", node),
    "  of which, per operation (median ms; a handshake does 8 X25519, 2 signs, 2 verifies):",
    primitive(
      "X25519 shared secret (@noble/curves)",
      median(() => x25519.getSharedSecret(secret, peerPublic)),
    ),
    primitive(
      "Ed25519 sign (@noble/curves)",
      median(() => nobleId.identity.sign(data)),
    ),
    primitive(
      "Ed25519 verify (@noble/curves)",
      median(() => nobleId.verify(nobleId.identity.publicKey, data, nobleSignature)),
    ),
    primitive(
      "Ed25519 sign (node:crypto)",
      median(() => nodeId.identity.sign(data)),
    ),
    primitive(
      "Ed25519 verify (node:crypto)",
      median(() => nodeId.verify(nodeId.identity.publicKey, data, nodeSignature)),
    ),
  ];
}

// ---- (b) CPU per authenticated frame ----

/** Iterations of `fn` that take about `targetMs`. */
function calibrate(fn: (iterations: number) => void, targetMs: number): number {
  let iterations = 4;
  for (;;) {
    const start = performance.now();
    fn(iterations);
    const elapsed = performance.now() - start;
    if (elapsed > 30) return Math.max(1, Math.ceil((iterations * targetMs) / elapsed));
    iterations *= 4;
  }
}

/** Microseconds per operation of each candidate: rounds alternate, the best round counts. */
function measureAll(candidates: ReadonlyArray<(iterations: number) => void>): number[] {
  const iterations = candidates.map((fn) => calibrate(fn, ROUND_MS));
  const best = candidates.map(() => Number.POSITIVE_INFINITY);
  for (let round = 0; round < ROUNDS; round++) {
    candidates.forEach((fn, index) => {
      const count = iterations[index] ?? 1;
      const start = performance.now();
      fn(count);
      const micros = ((performance.now() - start) * 1000) / count;
      best[index] = Math.min(best[index] ?? Number.POSITIVE_INFINITY, micros);
    });
  }
  for (const value of best) {
    if (!Number.isFinite(value) || value <= 0) throw new Error("a frame measurement failed");
  }
  return best;
}

function frameBench(): string[] {
  const lines: string[] = [];
  const codec = createCodec(GossipSchema);
  const message = typicalMessage(120);
  const small = codec.encode(message);
  const large = random(64 * 1024);

  for (const [label, plaintext, suite, makeSide] of [
    [`typical message (${small.length} B msgpack gossip)`, small, "@noble", nobleSide],
    [`typical message (${small.length} B msgpack gossip)`, small, "node:crypto", nodeCryptoSide],
    [`64 KiB message (${large.length} B, two sealed chunks)`, large, "@noble", nobleSide],
    [`64 KiB message (${large.length} B, two sealed chunks)`, large, "node:crypto", nodeCryptoSide],
  ] as const) {
    // A fresh link per size: sender and receiver ciphers of the same direction.
    const [initiator, responder] = handshakeInMemory(makeSide(), makeSide());
    const sealer = initiator.send;
    const opener = responder.receive;
    const sealed = sealFrame(sealer, plaintext);
    if (!equal(openFrame(opener, sealed), plaintext)) {
      throw new Error("a sealed frame did not open to its plaintext");
    }
    let sink = 0;
    const plainDecoder = createFrameDecoder();
    const sealedDecoder = createFrameDecoder();
    const frameOnly = (n: number) => {
      for (let i = 0; i < n; i++) {
        const [frame] = plainDecoder.push(encodeFrame(plaintext));
        if (frame?.ok !== true) throw new Error("a plain frame did not decode");
        sink += frame.value.length;
      }
    };
    const sealOpen = (n: number) => {
      for (let i = 0; i < n; i++) sink += openFrame(opener, sealFrame(sealer, plaintext)).length;
    };
    const sealedFramed = (n: number) => {
      for (let i = 0; i < n; i++) {
        const [frame] = sealedDecoder.push(encodeFrame(sealFrame(sealer, plaintext)));
        if (frame?.ok !== true) throw new Error("a sealed frame did not decode");
        sink += openFrame(opener, frame.value).length;
      }
    };
    const candidates = [frameOnly, sealOpen, sealedFramed];
    const isSmall = plaintext === small;
    if (isSmall) {
      candidates.push((n: number) => {
        for (let i = 0; i < n; i++) {
          const decoded = codec.decode(codec.encode(message));
          if (!decoded.ok) throw new Error("the codec did not decode its own message");
          sink += decoded.value.hops;
        }
      });
    }
    const micros = measureAll(candidates);
    const [base = 0, sealOnly = 0, full = 0, codecMicros] = micros;
    const wire = sealed.length;
    const row = (name: string, us: number) => {
      const megabytes = plaintext.length / us; // bytes per µs = MB/s
      const times = ratio(us, base, `${label}, ${suite}, ${name}`);
      return `  ${name.padEnd(56)} ${us.toFixed(2).padStart(9)} ${megabytes.toFixed(1).padStart(9)}   ${times.toFixed(1).padStart(6)}×`;
    };
    lines.push(
      `${label}, ciphers on ${suite}: sealed body ${wire} B (+${wire - plaintext.length} B: ${SECURE_CHUNK_OVERHEAD_BYTES} B per chunk)`,
      `  ${"".padEnd(56)} ${"µs/frame".padStart(9)} ${"MB/s".padStart(9)}   ${"time vs baseline".padStart(7)}`,
      row("encodeFrame + frame decoding (baseline)", base),
      row("sealFrame + openFrame", sealOnly),
      row("sealFrame + encodeFrame + decoding + openFrame", full),
    );
    if (codecMicros !== undefined) {
      lines.push(row("for scale: codec encode + decode (msgpack + zod)", codecMicros));
    }
    if (sink <= 0) throw new Error(`${label}, ${suite}: no frame made the round trip`);
  }
  return lines;
}

/** Prints result lines, each named by its first words; refuses NaN, Infinity or undefined. */
function print(lines: readonly string[]): void {
  for (const line of lines) printRow(line.trim().slice(0, 60), line);
}

await runBench(import.meta.url, "authenticated links against plain ones", async () => {
  const ping = typicalMessage(120);
  const pingBytes = createCodec(GossipSchema).encode(ping);

  print(handshakeCpuBench());
  const network = createMemoryNetwork();
  const memory: Endpoints = {
    name: "in-memory transport",
    server: network.transport("10.0.0.1"),
    client: network.transport("10.0.0.2"),
    listenAt: (port) => `10.0.0.1:${port}`,
    clientAddress: "10.0.0.2:6000",
  };
  print(await handshakeBench(memory, pingBytes));
  const tcp = createTcpTransport();
  const loopback: Endpoints = {
    name: "tcp loopback (127.0.0.1)",
    server: tcp,
    client: tcp,
    listenAt: () => "127.0.0.1:0",
    clientAddress: "127.0.0.1:6000",
  };
  print(await handshakeBench(loopback, pingBytes));
  print(frameBench());
});
