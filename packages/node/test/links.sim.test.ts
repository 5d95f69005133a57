import { createEd25519Signer, keyPairFromSeed } from "@p2p/liveness";
import { createSimulation, forEachSeed } from "@p2p/sim";
import { silentLogger } from "@p2p/wire";
import { describe, expect, it } from "vitest";
import type { LinkPeer, Links } from "../src/link-types.js";
import { createLinks } from "../src/links.js";
import { createWireCodec, type WireMessage } from "../src/messages.js";
import { nativeCrypto } from "./network.js";

const replay = process.env.P2P_SEED;

const idOf = (index: number): string => index.toString(16).padStart(32, "0");

/** A message of about `bytes` bytes on the wire (a signed-looking gossip copy). */
const bulky = (index: number, bytes: number): WireMessage => ({
  type: "gossip.message",
  id: idOf(index),
  origin: "10.0.0.10:6000",
  payload: new Uint8Array(bytes).fill(index % 251),
  hops: 0,
  signature: "ab".repeat(64),
});

/** Two peers' link layers on one simulated network; `b` must prove `a`'s address by dialling back. */
function pair(seed: number) {
  const sim = createSimulation({ seed, link: { latencyMs: 5, jitterMs: 3, lossRate: 0 } });
  let counter = seed;
  const linksAt = (address: string, keySeed: number): Links<WireMessage> =>
    createLinks<WireMessage>({
      self: address,
      role: "peer",
      transport: sim.transport(address),
      clock: sim.clockFor(address),
      codec: createWireCodec(),
      logger: silentLogger,
      identity: createEd25519Signer(keyPairFromSeed(new Uint8Array(32).fill(keySeed)).secretKey),
      ...nativeCrypto,
      randomBytes: (length) => Uint8Array.from({ length }, () => (counter++ * 73 + 11) % 256),
    });
  return { sim, a: linksAt("10.0.0.10:6000", 10), b: linksAt("10.0.0.11:6000", 11) };
}

describe("links: a new link carries a burst sent before the other end has proven it", () => {
  // A new neighbour is sent a catch-up batch (up to 256 messages of up to 64 KiB) plus overlay
  // and liveness traffic at once; the listener must not refuse the link for it.
  for (const [label, count, bytes] of [
    ["600 small messages (more than 256)", 600, 64],
    ["100 messages of 32 KiB (more than 1 MiB)", 100, 32 * 1024],
  ] as const) {
    it(`${label} all arrive, in order, on one link`, async () => {
      await forEachSeed(
        2,
        4_200,
        async (seed) => {
          const { sim, a, b } = pair(seed);
          await a.listen();
          await b.listen();
          const received: string[] = [];
          const refusals: string[] = [];
          b.on("message", (_from: LinkPeer, message) => {
            if (message.type === "gossip.message") received.push(message.id);
          });
          a.on("link-down", (address) => refusals.push(`a lost ${address}`));
          for (let index = 0; index < count; index++) a.send("10.0.0.11:6000", bulky(index, bytes));
          await sim.runForAsync(10_000);
          expect(refusals).toEqual([]);
          expect(b.stats().refused).toEqual({});
          expect(received).toEqual(Array.from({ length: count }, (_, index) => idOf(index)));
          await a.close();
          await b.close();
        },
        replay,
      );
    });
  }
});

describe("links: a refused dial is told apart from one that got no answer", () => {
  it("dial-refused fires when nothing listens on a live host, not when the host is silent", async () => {
    await forEachSeed(
      2,
      4_300,
      async (seed) => {
        const { sim, a, b } = pair(seed);
        await a.listen();
        await b.listen();
        const refused: string[] = [];
        a.on("dial-refused", (address) => refused.push(address));
        expect(await sim.settle(a.connect("10.0.0.11:6000"), { timeoutMs: 10_000 })).toBe(true);
        // Its process ends: the host is up and answers a dial with a refusal.
        await sim.settle(b.close(), { timeoutMs: 10_000 });
        await sim.runForAsync(1_000);
        expect(await sim.settle(a.connect("10.0.0.11:6000"), { timeoutMs: 30_000 })).toBe(false);
        expect(refused).toEqual(["10.0.0.11:6000"]);
        // A host cut off says nothing: the dial times out, which a slow node also causes.
        sim.partition(["10.0.0.10:6000"], ["10.0.0.11:6000"]);
        expect(await sim.settle(a.connect("10.0.0.11:6000"), { timeoutMs: 30_000 })).toBe(false);
        expect(refused).toEqual(["10.0.0.11:6000"]);
        await a.close();
      },
      replay,
    );
  });
});
