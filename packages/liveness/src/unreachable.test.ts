import { describe, expect, it } from "vitest";
import { livenessProfiles } from "./config.js";
import { createLiveness } from "./liveness.js";
import type { LivenessOutput } from "./liveness-types.js";
import { createEd25519Signer, keyPairFromSeed } from "./vote.js";

const random = { next: () => 0 };
const sign = createEd25519Signer(keyPairFromSeed(new Uint8Array(32).fill(1)).secretKey).sign;
const [self, suspect, other, voter] = ["10.0.0.1:1", "10.0.0.2:1", "10.0.0.3:1", "10.0.0.4:1"];
const events = (outputs: readonly LivenessOutput[]) =>
  outputs.flatMap((o) => (o.type === "emit" ? [o.event] : []));
const voteRequests = (outputs: readonly LivenessOutput[]) =>
  outputs.flatMap((o) =>
    o.type === "send" && o.message.type === "liveness.vote-request" ? [o.to] : [],
  );

/** A peer with two neighbours; the directory says `suspect`'s other neighbour is `voter`. */
function peer(suspectUnreachable: boolean) {
  const machine = createLiveness(
    { self, ...livenessProfiles.fast, suspectUnreachable },
    { random, sign },
  );
  machine.step({ type: "neighbours", now: 0, neighbours: [suspect, other] });
  machine.step({ type: "member-neighbours", now: 0, address: suspect, neighbours: [self, voter] });
  return machine;
}

describe("a neighbour that cannot be reached (its link went down, a dial was refused)", () => {
  it("is suspected at once, without missed pings, and its other neighbours are asked to vote", () => {
    const outputs = peer(true).step({ type: "unreachable", now: 10, address: suspect });
    expect(events(outputs)).toContainEqual({
      type: "peer-suspected",
      suspect,
      incarnation: 0,
      misses: 0,
    });
    expect(voteRequests(outputs)).toEqual([voter]);
  });

  it("still needs its other neighbours' dead votes: no report from this peer alone", () => {
    const outputs = peer(true).step({ type: "unreachable", now: 10, address: suspect });
    expect(events(outputs).some((event) => event.type === "dead-report")).toBe(false);
  });

  it("waits for missed pings when suspectUnreachable is off (the standard profile)", () => {
    expect(livenessProfiles.standard.suspectUnreachable).toBe(false);
    expect(peer(false).step({ type: "unreachable", now: 10, address: suspect })).toEqual([]);
  });

  it("changes nothing for an address that is not a neighbour, or one already suspected", () => {
    const machine = peer(true);
    expect(machine.step({ type: "unreachable", now: 10, address: voter })).toEqual([]);
    machine.step({ type: "unreachable", now: 20, address: suspect });
    expect(machine.step({ type: "unreachable", now: 30, address: suspect })).toEqual([]);
    expect(machine.inspect().counters.suspicions).toBe(1);
  });
});
