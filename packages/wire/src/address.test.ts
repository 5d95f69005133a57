import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  AddressSchema,
  formatAddress,
  isCanonicalAddress,
  isIpv6,
  parseAddress,
} from "./address.js";

function errorOf(input: string, allowPortZero = false): string {
  const result = parseAddress(input, { allowPortZero });
  return result.ok ? "ok" : `${result.error.code}: ${result.error.message}`;
}

describe("parseAddress", () => {
  it("parses IPv4, bracketed IPv6 and hostnames", () => {
    expect(parseAddress("10.0.0.1:7000")).toEqual({
      ok: true,
      value: { host: "10.0.0.1", port: 7000, family: "ipv4" },
    });
    expect(parseAddress("[::1]:6001")).toEqual({
      ok: true,
      value: { host: "::1", port: 6001, family: "ipv6" },
    });
    expect(parseAddress("[2001:DB8::ffff:192.0.2.1]:1")).toEqual({
      ok: true,
      value: { host: "2001:db8::ffff:192.0.2.1", port: 1, family: "ipv6" },
    });
    expect(parseAddress("Seed-1.Example.org:65535")).toEqual({
      ok: true,
      value: { host: "seed-1.example.org", port: 65535, family: "hostname" },
    });
  });

  it("explains what is wrong", () => {
    expect(errorOf("10.0.0.1")).toBe('ADDRESS_INVALID: "10.0.0.1" has no port; expected host:port');
    expect(errorOf("10.0.0.1:")).toMatch(/has an empty port/);
    expect(errorOf(":7000")).toMatch(/has no host/);
    expect(errorOf("10.0.0.1:0")).toMatch(/port 0 out of range; expected 1-65535/);
    expect(errorOf("10.0.0.1:0", true)).toBe("ok");
    expect(errorOf("10.0.0.1:65536")).toMatch(/out of range/);
    expect(errorOf("10.0.0.1:70a")).toMatch(/invalid port "70a"/);
    expect(errorOf("10.0.0.1:+7")).toMatch(/invalid port/);
    expect(errorOf("::1:7000")).toMatch(/without brackets/);
    expect(errorOf("[::1]")).toMatch(/has no port/);
    expect(errorOf("[::1:7000")).toMatch(/closing/);
    expect(errorOf("[::g]:7000")).toMatch(/invalid IPv6/);
    expect(errorOf("[10.0.0.1]:7000")).toMatch(/invalid IPv6/);
    expect(errorOf("256.0.0.1:7000")).toMatch(/invalid host "256.0.0.1"/);
    expect(errorOf("01.0.0.1:7000")).toMatch(/invalid host/);
    expect(errorOf("bad_host:7000")).toMatch(/invalid host/);
    expect(errorOf("-bad.example:7000")).toMatch(/invalid host/);
    expect(errorOf("")).toMatch(/is empty/);
  });

  it("validates IPv6 text forms", () => {
    for (const valid of [
      "::",
      "::1",
      "1::",
      "1:2:3:4:5:6:7:8",
      "1:2:3:4:5:6:7::",
      "::ffff:1.2.3.4",
      "fe80::1",
    ]) {
      expect(isIpv6(valid), valid).toBe(true);
    }
    for (const invalid of [
      "",
      ":",
      ":::",
      "1:2:3:4:5:6:7:8:9",
      "1::2::3",
      "12345::",
      "1:2:3:4:5:6:7",
      "::1.2.3",
    ]) {
      expect(isIpv6(invalid), invalid).toBe(false);
    }
  });

  it("property: formatAddress and parseAddress round-trip", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.ipV4(),
          fc.ipV6().map((host) => host.toLowerCase()),
          fc.domain(),
        ),
        fc.integer({ min: 1, max: 65535 }),
        (host, port) => {
          const parsed = parseAddress(formatAddress({ host, port }));
          if (!parsed.ok) throw parsed.error;
          expect(parsed.value.port).toBe(port);
          expect(formatAddress(parsed.value)).toBe(
            formatAddress({ host: parsed.value.host, port }),
          );
        },
      ),
    );
  });
});

describe("AddressSchema", () => {
  it("accepts canonical addresses and names the problem otherwise", () => {
    expect(AddressSchema.safeParse("127.0.0.1:6000").success).toBe(true);
    expect(AddressSchema.safeParse("[::1]:6000").success).toBe(true);
    const missingPort = AddressSchema.safeParse("127.0.0.1");
    expect(missingPort.success).toBe(false);
    expect(missingPort.error?.issues[0]?.message).toBe(
      '"127.0.0.1" has no port; expected host:port',
    );
    const notCanonical = AddressSchema.safeParse("Seed.Example:7000");
    expect(notCanonical.error?.issues[0]?.message).toBe(
      'expected canonical form "seed.example:7000"',
    );
    expect(AddressSchema.safeParse(7000).success).toBe(false);
  });
});

describe("isCanonicalAddress", () => {
  it("answers the same as parse-and-format, for repeats and past its memory of 4096 addresses", () => {
    const direct = (value: string) => {
      const parsed = parseAddress(value);
      return parsed.ok && formatAddress(parsed.value) === value;
    };
    const inputs = Array.from({ length: 10_000 }, (_, i) => {
      const port = 1 + (i % 9000);
      return i % 3 === 0 ? `10.0.${i % 256}.1:0${port}` : `10.0.${i % 256}.1:${port}`;
    });
    for (const round of [0, 1]) {
      for (const input of inputs)
        expect(isCanonicalAddress(input), `${input} ${round}`).toBe(direct(input));
    }
    fc.assert(
      fc.property(fc.string({ maxLength: 30 }), (value) => {
        expect(isCanonicalAddress(value)).toBe(direct(value));
        expect(isCanonicalAddress(value)).toBe(direct(value));
      }),
    );
  });
});
