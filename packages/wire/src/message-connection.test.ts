import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createCodec } from "./codec.js";
import type { LogFields, Logger } from "./logger.js";
import { createMemoryNetwork } from "./memory.js";
import { createMessageConnection } from "./message-connection.js";
import type { CloseInfo, Connection } from "./transport.js";

const PingSchema = z.object({ type: z.literal("test.ping"), sequence: z.number().int() });
const codec = createCodec(PingSchema);

async function pair() {
  const network = createMemoryNetwork();
  let inbound: Connection | undefined;
  const listener = await network.transport("10.0.0.1").listen("10.0.0.1:7000", (connection) => {
    inbound = connection;
  });
  const client = await network.transport("10.0.0.2").dial(listener.address);
  if (inbound === undefined) throw new Error("no inbound connection");
  return { client, inbound };
}

describe("createMessageConnection", () => {
  it("sends and receives typed messages", async () => {
    const { client, inbound } = await pair();
    const sender = createMessageConnection(client, codec);
    const receiver = createMessageConnection(inbound, codec);
    const received = new Promise<unknown>((resolve) => receiver.on("message", resolve));
    expect(sender.send({ type: "test.ping", sequence: 7 })).toBe(true);
    expect(await received).toEqual({ type: "test.ping", sequence: 7 });
    expect(() => sender.send({ type: "test.ping", sequence: 1.5 })).toThrow(/sequence/);
    expect(receiver.remoteAddress).toBe(client.localAddress);
  });

  it("aborts only the offending connection on a bad message, with protocol-error and a logged reason", async () => {
    const { client, inbound } = await pair();
    const lines: Array<{ message: string; fields?: LogFields }> = [];
    const logger: Logger = {
      debug() {},
      info() {},
      warn: (message, fields) =>
        lines.push(fields === undefined ? { message } : { message, fields }),
      error() {},
    };
    const receiver = createMessageConnection(inbound, codec, { logger });
    const messages: unknown[] = [];
    receiver.on("message", (message) => messages.push(message));
    const closed = new Promise<CloseInfo>((resolve) => receiver.on("close", resolve));
    const clientClosed = new Promise<CloseInfo>((resolve) => client.on("close", resolve));
    client.send(codec.encode({ type: "test.ping", sequence: 1 }));
    client.send(new Uint8Array([0x81, 0xa4, 0x74, 0x79, 0x70, 0x65, 0xa3, 0x62, 0x61, 0x64]));
    client.send(codec.encode({ type: "test.ping", sequence: 2 }));
    const info = await closed;
    expect(info.reason).toBe("protocol-error");
    expect(info.error?.code).toBe("MESSAGE_INVALID");
    expect(messages).toEqual([{ type: "test.ping", sequence: 1 }]);
    expect(lines[0]?.fields?.remoteAddress).toBe(client.localAddress);
    expect(String(lines[0]?.fields?.reason)).toMatch(/^type: /);
    expect((await clientClosed).reason).toBe("remote-close");
  });
});
