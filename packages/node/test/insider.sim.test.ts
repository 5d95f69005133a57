import { forEachSeed } from "@p2p/sim";
import { describe, expect, it } from "vitest";
import { runInsider } from "./insider-network.js";

const replay = process.env.P2P_SEED;

describe("one attacker holding 10% of the members, using every message a member may send (simulated network)", () => {
  it("no live peer is removed and every crashed peer still is", async () => {
    await forEachSeed(
      1,
      1700,
      async (seed) => {
        const result = await runInsider({
          seed,
          honestPeers: 36,
          attackerIdentities: 4,
          crashes: 3,
          crashAttacked: true,
        });
        // The attack happened: its identities are members, some honest peers list them back,
        // and it sent reports, alive votes and forged gossip.
        expect(result.attackerMembers).toBe(4);
        expect(result.attackerMutualEdges).toBeGreaterThan(0);
        expect(result.attack?.deadReports).toBeGreaterThan(0);
        expect(result.attack?.aliveVotes).toBeGreaterThan(0);
        expect(result.attack?.forgedGossip).toBeGreaterThan(0);
        // The crashed peers are ones the attacker neighbours: its dead votes and its alive
        // votes (sent the moment a seed probes it) are about them.
        expect(result.crashedWithAttackerNeighbour).toBe(3);
        expect(result.falseRemovals).toEqual([]);
        expect(result.notRemoved).toEqual([]);
        expect(result.removalSeconds).toHaveLength(3);
      },
      replay,
    );
  }, 240_000);
});
