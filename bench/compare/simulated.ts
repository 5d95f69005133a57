// The rows of bench:compare that need no other system: gossip copies and delivery on the
// simulated power-law overlay at 10 % frame loss (Plumtree against flooding, the default, in
// the same run: packages/gossip/bench/stream.ts), and the codec against JSON lines validated
// with the same schema (packages/wire/bench/codec.ts). Both run in this process, after the real
// processes of the other rows have stopped.
import { runStream } from "../../packages/gossip/bench/stream.js";
import { measureCodec } from "../../packages/wire/bench/codec.js";
import type { Figure } from "./report.js";

/** Sizes of the simulated rows: peers and messages of the stream, rounds of the codec. */
export interface SimulatedSettings {
  readonly peers: number;
  readonly messages: number;
  readonly codecRounds: number;
  readonly codecRoundMs: number;
}

const LOSS = 0.1;

/** Runs the stream twice (flooding, Plumtree) and the codec rounds; returns their rows. */
export function measureSimulated(
  settings: SimulatedSettings,
  log: (line: string) => void,
): { figures: Figure[]; notes: string[] } {
  const { peers, messages } = settings;
  log(`simulation: ${messages} messages on ${peers} simulated peers at 10 % frame loss, twice`);
  const flood = runStream(peers, messages, LOSS, { type: "flood" });
  const plumtree = runStream(peers, messages, LOSS, { type: "plumtree" });
  log("codec: JSON lines + zod against msgpack + zod, alternating rounds");
  const codec = measureCodec(settings.codecRounds, settings.codecRoundMs);
  const where = `simulated N = ${peers.toLocaleString("en")}, 10 % frame loss`;
  const figures: Figure[] = [
    {
      name: `gossip: full copies per peer per message, ${where}, Plumtree`,
      unit: "copies",
      p2p: plumtree.copies,
      anchorName: "flooding",
      anchor: flood.copies,
      target: { kind: "absolute", max: 1.5 },
    },
    {
      name: `gossip: messages delivered to every peer, ${where}, Plumtree`,
      unit: "%",
      p2p: plumtree.delivery * 100,
      anchorName: "flooding",
      anchor: flood.delivery * 100,
      target: { kind: "minimum", min: 100 },
    },
    {
      name: `gossip: time until every peer has a message, ${where}, Plumtree, slowest`,
      unit: "s",
      p2p: plumtree.latencyMs.max / 1000,
      anchorName: "flooding",
      anchor: flood.latencyMs.max / 1000,
    },
    {
      name: "codec: encode + frame + decode of one gossip message, validated both ways",
      unit: "µs",
      p2p: 1e6 / codec.codecValidated,
      anchorName: "JSON lines + zod",
      anchor: 1e6 / codec.jsonValidated,
      // ≥ 1.5× the baseline's rate: at most 1 / 1.5 of its time.
      target: { kind: "ratio", max: 0.667 },
    },
  ];
  const notes = [
    `Gossip rows: the whole gossip machines of ${peers} peers on @p2p/sim (virtual time, seeded), ${messages} messages from random origins one every 20 ms; flooding is the default forwarding of the peers measured above, Plumtree is \`gossip_forwarding: plumtree\`. Flooding delivered ${(flood.delivery * 100).toFixed(2)} %, Plumtree ${(plumtree.delivery * 100).toFixed(2)} %; simulation wall time ${(flood.wallS + plumtree.wallS).toFixed(1)} s.`,
    `Codec: ${codec.frameBytes} B framed msgpack against a ${codec.jsonBytes} B JSON line; without validation msgpack runs at ${(codec.msgpackRaw / codec.jsonRaw).toFixed(2)}× the rate of plain JSON.`,
  ];
  return { figures, notes };
}
