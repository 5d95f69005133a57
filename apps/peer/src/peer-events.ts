import type { LineLogger, NodeLogger } from "@p2p/cli-support";
import type { PeerNodeEvent } from "@p2p/node";

/**
 * Logs one peer event: its JSON object in peer.log and its readable line on stdout; a
 * delivered message and a `Dead Node:` report also get their line in outputfile.txt.
 */
export function logPeerEvent(logger: NodeLogger, output: LineLogger, event: PeerNodeEvent): void {
  switch (event.type) {
    case "registration-refused": {
      const { message: reason, retryInMs } = event;
      logger.event(
        "info",
        event.type,
        { reason, retryInMs },
        `registration refused: ${reason}; retrying in ${retryInMs / 1000} s`,
      );
      return;
    }
    case "registered": {
      const { incarnation } = event.record;
      const seeds = event.seeds;
      logger.event(
        "info",
        event.type,
        { incarnation, seeds },
        `registered (incarnation ${incarnation}) with ${seeds.join(", ")}`,
      );
      return;
    }
    case "peer-list":
      logger.event(
        "info",
        event.type,
        { seeds: event.seeds, members: event.members },
        `peer list from ${event.seeds.join(", ")}: ${event.members.join(", ") || "(none)"}`,
      );
      return;
    case "neighbours-changed":
      logger.event(
        "info",
        event.type,
        { neighbours: event.neighbours },
        `neighbours: ${event.neighbours.join(", ") || "(none)"}`,
      );
      return;
    case "message-delivered": {
      const { from, origin, id, hops, text } = event;
      const line = `received from ${from} (origin ${origin}): ${text}`;
      logger.event("info", event.type, { from, origin, id, hops, text }, line);
      output.info(line);
      return;
    }
    case "message-published":
      logger.event(
        "info",
        event.type,
        { id: event.id, text: event.text },
        `published ${event.text}`,
      );
      return;
    case "peer-suspected":
      logger.event(
        "info",
        event.type,
        { suspect: event.suspect },
        `suspect ${event.suspect}: asking its neighbours to vote`,
      );
      return;
    case "suspicion-cleared":
      logger.event(
        "info",
        event.type,
        { suspect: event.suspect, by: event.by },
        `${event.suspect} is alive (vote from ${event.by})`,
      );
      return;
    case "dead-reported":
      logger.event("info", event.type, { suspect: event.suspect, line: event.line }, event.line);
      output.info(event.line);
      return;
    case "member-removed":
      logger.event("info", event.type, { peer: event.address }, `seeds removed ${event.address}`);
      return;
    case "rejoined":
      logger.event(
        "info",
        event.type,
        { incarnation: event.incarnation },
        `removed while alive; re-registered as incarnation ${event.incarnation}`,
      );
      return;
    case "left":
      logger.event("info", event.type, {}, "left the network");
      return;
  }
}
