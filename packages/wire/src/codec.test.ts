import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AddressSchema } from "./address.js";
import { createCodec } from "./codec.js";
import { P2pError } from "./errors.js";
import { createFrameDecoder, encodeFrame } from "./framing.js";

const SeedListSchema = z.object({
  type: z.literal("test.seeds"),
  seeds: z.array(z.object({ host: z.string(), port: z.number() })),
});
const ChatSchema = z.object({
  type: z.literal("test.chat"),
  from: AddressSchema,
  text: z.string(),
  sequence: z.number().int(),
  blob: z.instanceof(Uint8Array).optional(),
});
const MessageSchema = z.discriminatedUnion("type", [SeedListSchema, ChatSchema]);
type Message = z.infer<typeof MessageSchema>;

/** Builds msgpack bytes by hand: a map of string keys to given encoded values. */
function msgpackMap(entries: ReadonlyArray<readonly [string, number[]]>): Uint8Array {
  const bytes: number[] = [0x80 | entries.length];
  for (const [key, value] of entries) {
    const encoded = Buffer.from(key, "utf8");
    bytes.push(0xa0 | encoded.length, ...encoded, ...value);
  }
  return new Uint8Array(bytes);
}
const TRUE = [0xc3];
const str = (text: string) => [0xa0 | text.length, ...Buffer.from(text, "utf8")];

describe("createCodec", () => {
  const codec = createCodec(MessageSchema);

  it("round-trips messages as plain msgpack maps", () => {
    const message: Message = { type: "test.chat", from: "10.0.0.1:7000", text: "hi", sequence: 3 };
    const body = codec.encode(message);
    // fixmap of 4 entries, first key "type": plain msgpack, no msgpackr records.
    expect(body[0]).toBe(0x84);
    expect(Buffer.from(body.subarray(1, 6)).toString("hex")).toBe(
      Buffer.from([0xa4, ...Buffer.from("type")]).toString("hex"),
    );
    expect(codec.decode(body)).toEqual({ ok: true, value: message });
    const withBlob = codec.decode(codec.encode({ ...message, blob: new Uint8Array([1, 2, 3]) }));
    expect(
      withBlob.ok &&
        Array.from(withBlob.value.type === "test.chat" ? (withBlob.value.blob ?? []) : []),
    ).toEqual([1, 2, 3]);
  });

  it("names the failing field path", () => {
    const body = msgpackMap([
      ["type", str("test.seeds")],
      [
        "seeds",
        [
          0x92,
          ...msgpackMap([
            ["host", str("a")],
            ["port", [0x01]],
          ]),
          ...msgpackMap([
            ["host", str("b")],
            ["port", str("x")],
          ]),
        ],
      ],
    ]);
    const result = codec.decode(body);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error.code).toBe("MESSAGE_INVALID");
      expect(result.error.message).toBe("seeds.1.port: expected number, received string");
    }
    const unknownType = codec.decode(msgpackMap([["type", str("test.nope")]]));
    expect(!unknownType.ok && unknownType.error.code).toBe("MESSAGE_INVALID");
    expect(!unknownType.ok && unknownType.error.message).toMatch(/^type: /);
  });

  it("reports bytes that are not exactly one msgpack value as MESSAGE_UNDECODABLE", () => {
    for (const bytes of [[0x92, 0x01], [0x01, 0x02], [0xd4, 0x05, 0x01], [0xc1], []]) {
      const result = codec.decode(new Uint8Array(bytes));
      expect(result.ok ? "ok" : result.error.code, Buffer.from(bytes).toString("hex")).toMatch(
        /MESSAGE_UNDECODABLE|MESSAGE_INVALID/,
      );
    }
    const trailing = codec.decode(new Uint8Array([0x80, 0x00]));
    expect(!trailing.ok && trailing.error.code).toBe("MESSAGE_UNDECODABLE");
  });

  it("never lets __proto__, constructor or prototype keys pollute objects", () => {
    const loose = createCodec(z.record(z.string(), z.unknown()));
    const hostile = [
      msgpackMap([["__proto__", Array.from(msgpackMap([["polluted", TRUE]]))]]),
      msgpackMap([
        [
          "constructor",
          Array.from(msgpackMap([["prototype", Array.from(msgpackMap([["polluted", TRUE]]))]])),
        ],
      ]),
      msgpackMap([
        ["type", str("test.chat")],
        ["__proto__", Array.from(msgpackMap([["isAdmin", TRUE]]))],
      ]),
    ];
    for (const bytes of hostile) {
      const result = loose.decode(bytes);
      if (result.ok) {
        expect(Object.getPrototypeOf(result.value)).toBe(Object.prototype);
        expect((result.value as { polluted?: unknown }).polluted).toBeUndefined();
        expect((result.value as { isAdmin?: unknown }).isAdmin).toBeUndefined();
      }
      const typed = codec.decode(bytes);
      expect(typed.ok).toBe(false);
    }
    expect(({} as { polluted?: unknown }).polluted).toBeUndefined();
    expect(({} as { isAdmin?: unknown }).isAdmin).toBeUndefined();
    expect((Object.prototype as { polluted?: unknown }).polluted).toBeUndefined();
  });

  it("reads 64-bit integers from other msgpack libraries as numbers", () => {
    const stamped = createCodec(z.object({ type: z.literal("test.time"), atMs: z.number().int() }));
    const int64 = [0xd3, 0x00, 0x00, 0x01, 0xa2, 0x0c, 0x23, 0xc3, 0x7b]; // int 64
    const decoded = stamped.decode(
      msgpackMap([
        ["type", str("test.time")],
        ["atMs", int64],
      ]),
    );
    expect(decoded).toEqual({ ok: true, value: { type: "test.time", atMs: 1_795_500_000_123 } });
    const tooBig = [0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]; // uint 64 above 2^53
    const refused = stamped.decode(
      msgpackMap([
        ["type", str("test.time")],
        ["atMs", tooBig],
      ]),
    );
    expect(!refused.ok && refused.error.code).toBe("MESSAGE_INVALID");
  });

  it("validates and packs a message sent to several peers in a row once", () => {
    let validations = 0;
    const counted = createCodec(
      ChatSchema.refine(() => {
        validations += 1;
        return true;
      }),
    );
    const first: z.infer<typeof ChatSchema> = {
      type: "test.chat",
      from: "10.0.0.1:7000",
      text: "a",
      sequence: 1,
    };
    const second = { ...first, text: "b" };
    const body = counted.encode(first);
    expect(counted.encode(first)).toBe(body);
    expect(validations).toBe(1);
    // Another message in between: each is encoded for itself, never from the other's bytes.
    const secondBody = counted.encode(second);
    const firstAgain = counted.encode(first);
    expect(validations).toBe(3);
    expect(codec.decode(secondBody)).toEqual({ ok: true, value: second });
    expect(codec.decode(firstAgain)).toEqual({ ok: true, value: first });
  });

  it("validates on encode too (caller mistake → throws)", () => {
    expect(() =>
      codec.encode({ type: "test.chat", from: "nowhere", text: "", sequence: 1 }),
    ).toThrow(/from: "nowhere" has no port/);
    const tiny = createCodec(ChatSchema, { maxFrameBytes: 16 });
    expect(() =>
      tiny.encode({
        type: "test.chat",
        from: "10.0.0.1:1",
        text: "a long enough text",
        sequence: 1,
      }),
    ).toThrow(P2pError);
  });

  it("property: any sequence of valid messages, framed and cut into any chunks, decodes to the same sequence", () => {
    const chat = fc.record({
      type: fc.constant("test.chat" as const),
      from: fc
        .tuple(fc.ipV4(), fc.integer({ min: 1, max: 65535 }))
        .map(([host, port]) => `${host}:${port}`),
      text: fc.string({ maxLength: 40 }),
      sequence: fc.integer(),
    });
    const seeds = fc.record({
      // msgpack has no negative zero integer: -0 is sent as 0 (see docs/WIRE.md).
      type: fc.constant("test.seeds" as const),
      seeds: fc.array(
        fc.record({
          host: fc.string({ maxLength: 10 }),
          port: fc
            .double({ noNaN: true, noDefaultInfinity: true })
            .filter((port) => !Object.is(port, -0)),
        }),
        { maxLength: 4 },
      ),
    });
    fc.assert(
      fc.property(
        fc.array(fc.oneof(chat, seeds), { maxLength: 20 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        (messages, cutPoints) => {
          const frames = messages.map((message) => encodeFrame(codec.encode(message)));
          const stream = Buffer.concat(frames);
          const points = [
            ...new Set(cutPoints.map((point) => point % (stream.byteLength + 1))),
          ].sort((a, b) => a - b);
          const decoder = createFrameDecoder();
          const decoded: Message[] = [];
          let start = 0;
          for (const end of [...points, stream.byteLength]) {
            for (const frame of decoder.push(stream.subarray(start, end))) {
              if (!frame.ok) throw frame.error;
              const message = codec.decode(frame.value);
              if (!message.ok) throw message.error;
              decoded.push(message.value);
            }
            start = end;
          }
          expect(decoded).toEqual(messages);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: arbitrary bytes never throw out of decode", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const result = codec.decode(bytes);
        expect(typeof result.ok).toBe("boolean");
      }),
      { numRuns: 1000 },
    );
  });
});
