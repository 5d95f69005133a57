// The cost per hop of signed gossip: the time one peer takes to handle a received first copy
// (receive → check → deliver → forward to 3 neighbours), without signature verification and
// with Ed25519 verification by @noble/curves and by Node's crypto, for a 100-byte and a 16 KiB
// payload. Ratios are against the unverified baseline measured in the same run. Exits non-zero
// if any step did not do its work (a first copy not delivered and forwarded to 3, a valid
// signature refused, a forged one accepted).
// Run: pnpm bench gossip/signatures   (--quick: 100 messages, 3 rounds)
import { createPrivateKey, createPublicKey, type KeyObject, sign, verify } from "node:crypto";
import { performance } from "node:perf_hooks";
import { ed25519 } from "@noble/curves/ed25519.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import { createSeededRandom } from "@p2p/wire";
import {
  type Cell,
  fail,
  printTable,
  quantile,
  ratio,
  runBench,
  scaled,
} from "../../../scripts/bench-support.js";
import {
  createGossip,
  type GossipDependencies,
  type GossipMessage,
  gossipSigningBytes,
  messageId,
} from "../src/index.js";

/** DER prefixes turning a raw 32-byte Ed25519 key into SPKI (public) and PKCS#8 (secret). */
const SPKI_PREFIX = Buffer.from("302a300506032b6570032100", "hex");
const PKCS8_PREFIX = Buffer.from("302e020100300506032b657004220420", "hex");

const SELF = "10.0.0.1:7000";
const FROM = "10.0.0.2:7000";
const OTHERS = ["10.0.0.3:7000", "10.0.0.4:7000", "10.0.0.5:7000"];
const ORIGINS = Array.from({ length: 16 }, (_, index) => `10.1.0.${index + 1}:7000`);
const MESSAGES = Number(process.env.BENCH_MESSAGES ?? scaled(1000, 100));
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? scaled(7, 3));
const SIZES = [100, 16 * 1024];

interface Origin {
  readonly address: string;
  readonly publicKey: Uint8Array;
  /** Made once per origin, as a host would cache it next to the registered key. */
  readonly keyObject: KeyObject;
  readonly secretKey: KeyObject;
}

const origins = new Map<string, Origin>(
  ORIGINS.map((address, index) => {
    const seed = new Uint8Array(32).fill(index + 1);
    const publicKey = ed25519.getPublicKey(seed);
    return [
      address,
      {
        address,
        publicKey,
        keyObject: createPublicKey({
          key: Buffer.concat([SPKI_PREFIX, publicKey]),
          format: "der",
          type: "spki",
        }),
        secretKey: createPrivateKey({
          key: Buffer.concat([PKCS8_PREFIX, seed]),
          format: "der",
          type: "pkcs8",
        }),
      },
    ];
  }),
);

const originOf = (address: string): Origin => origins.get(address) ?? fail(`no key for ${address}`);

type Verify = GossipDependencies["verifyOrigin"];
const verifiers: readonly { name: string; verify: Verify }[] = [
  { name: "no verification", verify: () => true },
  {
    name: "noble ed25519.verify",
    verify: (origin, bytes, signature) => {
      const key = origins.get(origin);
      return key !== undefined && ed25519.verify(signature, bytes, key.publicKey);
    },
  },
  {
    name: "node crypto.verify",
    verify: (origin, bytes, signature) => {
      const key = origins.get(origin);
      return key !== undefined && verify(null, bytes, key.keyObject, signature);
    },
  },
];

/** `count` distinct messages of `size` bytes, signed by their origins (Node's crypto, untimed). */
function makeMessages(size: number, count: number, tag: string): GossipMessage[] {
  return Array.from({ length: count }, (_, index) => {
    const origin = ORIGINS[index % ORIGINS.length] as string;
    const payload = new Uint8Array(size);
    payload.set(utf8ToBytes(`${tag} ${index}`).subarray(0, size));
    for (let i = 16; i < size; i++) payload[i] = (i * 31 + index) & 0xff;
    const signature = sign(null, gossipSigningBytes(origin, payload), originOf(origin).secretKey);
    return {
      type: "gossip.message",
      id: messageId(origin, payload),
      origin,
      payload,
      hops: 1,
      signature: bytesToHex(signature),
    };
  });
}

/** Checks that each verifier accepts a genuine signature and refuses a forged one. */
function checkVerifiers(message: GossipMessage): void {
  const bytes = gossipSigningBytes(message.origin, message.payload);
  const signature = Buffer.from(message.signature, "hex");
  const forged = Buffer.from(signature);
  forged[0] = (forged[0] ?? 0) ^ 1;
  for (const { name, verify: check } of verifiers.slice(1)) {
    if (!check(message.origin, bytes, signature)) fail(`${name} refused a valid signature`);
    if (check(message.origin, bytes, forged)) fail(`${name} accepted a forged signature`);
  }
}

/** Microseconds per first copy handled by a fresh machine, and the verifier's call count. */
function handleAll(messages: readonly GossipMessage[], verifyOrigin: Verify): number {
  let calls = 0;
  const gossip = createGossip(
    {
      self: SELF,
      generator: false,
      catchUp: false,
      messageList: { maxEntries: messages.length, maxPerOrigin: messages.length },
      maxPayloadBytes: 64 * 1024,
    },
    {
      random: createSeededRandom(1),
      sign: () => fail("nothing is published"),
      verifyOrigin: (origin, bytes, signature) => {
        calls++;
        return verifyOrigin(origin, bytes, signature);
      },
    },
  );
  gossip.step({ type: "neighbours", now: 0, neighbours: [FROM, ...OTHERS] });
  let sends = 0;
  let delivered = 0;
  const started = performance.now();
  for (const message of messages) {
    for (const output of gossip.step({ type: "receive", now: 1, from: FROM, message })) {
      if (output.type === "send") sends++;
      else if (output.event.type === "message-delivered") delivered++;
    }
  }
  const elapsedMs = performance.now() - started;
  if (delivered !== messages.length || sends !== messages.length * OTHERS.length)
    fail(
      `expected ${messages.length} deliveries and ${messages.length * 3} sends, got ${delivered} and ${sends}`,
    );
  if (calls !== messages.length) fail(`expected ${messages.length} verifications, got ${calls}`);
  return (elapsedMs * 1000) / messages.length;
}

function main(): void {
  if (!Number.isInteger(MESSAGES) || MESSAGES < 1 || !Number.isInteger(ROUNDS) || ROUNDS < 1)
    fail(
      `BENCH_MESSAGES and BENCH_ROUNDS must be positive integers, got ${MESSAGES} and ${ROUNDS}`,
    );
  console.log(
    `${MESSAGES} first copies per round from ${ORIGINS.length} origins, median of ${ROUNDS} rounds; ` +
      `each: receive → checks → deliver → forward to ${OTHERS.length} neighbours`,
  );
  const rows: Cell[][] = [];
  for (const size of SIZES) {
    const warmup = makeMessages(size, Math.min(MESSAGES, 200), "warm-up");
    const messages = makeMessages(size, MESSAGES, "measured");
    checkVerifiers(messages[0] as GossipMessage);
    for (const { verify: check } of verifiers) handleAll(warmup, check);
    // Rounds interleave the variants, so background load hits them alike.
    const samples = verifiers.map(() => [] as number[]);
    for (let round = 0; round < ROUNDS; round++)
      verifiers.forEach(({ verify: check }, index) => {
        samples[index]?.push(handleAll(messages, check));
      });
    const label = size >= 1024 ? `${size / 1024} KiB` : `${size} B`;
    const results = verifiers.map(({ name }, index) => ({
      name,
      microseconds: quantile(
        (samples[index] ?? []).sort((a, b) => a - b),
        0.5,
        `${label} ${name}`,
      ),
    }));
    const baseline = results[0]?.microseconds ?? fail("no baseline");
    for (const { name, microseconds } of results) {
      const what = `${label} ${name}`;
      rows.push([
        what,
        { value: microseconds, digits: 1 },
        `×${ratio(microseconds, baseline, what).toFixed(1)}`,
      ]);
    }
  }
  printTable(["payload, verification", "µs per first copy", "× no verification (baseline)"], rows);
}

await runBench(import.meta.url, "the cost per hop of signed gossip", main);
