import { describe, expect, it } from "vitest";
import { formatNodeAddress, parseNodeAddress, parseNodeIp } from "./address.js";

describe("parseNodeAddress", () => {
  it("accepts IPv4 and bracketed IPv6 addresses in canonical form", () => {
    expect(parseNodeAddress("127.0.0.1:5000")).toEqual({
      ok: true,
      value: { ip: "127.0.0.1", port: 5000 },
    });
    expect(parseNodeAddress("[::1]:16005")).toEqual({
      ok: true,
      value: { ip: "::1", port: 16005 },
    });
    expect(formatNodeAddress({ ip: "::1", port: 16005 })).toBe("[::1]:16005");
  });

  it("refuses host names, other spellings, bad ports and unbracketed IPv6, saying why", () => {
    const message = (text: string) => {
      const parsed = parseNodeAddress(text);
      return parsed.ok ? "accepted" : `${parsed.error.code}: ${parsed.error.message}`;
    };
    expect(message("localhost:5000")).toMatch(/^ADDRESS_INVALID: .*names a host/);
    expect(message("[::ABCD]:5000")).toBe(
      'ADDRESS_INVALID: "[::ABCD]:5000" is not in canonical form; write "[::abcd]:5000"',
    );
    expect(message("127.0.0.1:99999")).toMatch(/^ADDRESS_INVALID: .*out of range/);
    expect(message("::1:5000")).toMatch(/^ADDRESS_INVALID: .*without brackets/);
    expect(message("127.0.0.1")).toMatch(/^ADDRESS_INVALID: .*no port/);
  });
});

describe("parseNodeIp", () => {
  it("accepts an IPv4 or IPv6 address on its own, IPv6 in lower case", () => {
    expect(parseNodeIp("10.0.0.1")).toEqual({ ok: true, value: "10.0.0.1" });
    expect(parseNodeIp("FE80::1")).toEqual({ ok: true, value: "fe80::1" });
    expect(parseNodeIp("[::1]").ok).toBe(false);
    expect(parseNodeIp("example.org").ok).toBe(false);
    expect(parseNodeIp("300.1.1.1").ok).toBe(false);
  });
});
