import { describe, expect, it } from "vitest";
import { hostOf } from "./host.js";

describe("hostOf", () => {
  it("groups IPv4 addresses by the address, whatever the port", () => {
    expect(hostOf("10.0.7.1:6001")).toBe("10.0.7.1");
    expect(hostOf("10.0.7.1:6002")).toBe("10.0.7.1");
    expect(hostOf("10.0.7.2:6001")).toBe("10.0.7.2");
  });

  it("groups IPv6 addresses by their /64 prefix, however they are written", () => {
    expect(hostOf("[2001:db8:1:2::7]:6000")).toBe("2001:db8:1:2::/64");
    expect(hostOf("[2001:db8:1:2:ffff:1:2:3]:6001")).toBe("2001:db8:1:2::/64");
    expect(hostOf("[2001:db8:1:3::7]:6000")).toBe("2001:db8:1:3::/64");
    expect(hostOf("[2001:db8::1]:6000")).toBe("2001:db8:0:0::/64");
    expect(hostOf("[fe80::1:2:3:4]:6000")).toBe("fe80:0:0:0::/64");
  });

  it("counts an IPv4-mapped IPv6 address as its IPv4 address", () => {
    expect(hostOf("[::ffff:10.0.7.1]:6000")).toBe("10.0.7.1");
    expect(hostOf("[::ffff:a00:701]:6000")).toBe("10.0.7.1");
  });

  it("exempts loopback hosts (undefined)", () => {
    expect(hostOf("127.0.0.1:6000")).toBeUndefined();
    expect(hostOf("127.3.4.5:6000")).toBeUndefined();
    expect(hostOf("[::1]:6000")).toBeUndefined();
    expect(hostOf("[::ffff:127.0.0.1]:6000")).toBeUndefined();
    expect(hostOf("localhost:6000")).toBeUndefined();
    expect(hostOf("peer.localhost:6000")).toBeUndefined();
    expect(hostOf("128.0.0.1:6000")).toBe("128.0.0.1");
    expect(hostOf("[::2]:6000")).toBe("0:0:0:0::/64");
  });

  it("groups hostnames by name, and anything else by itself", () => {
    expect(hostOf("peer-1.example.org:6000")).toBe("peer-1.example.org");
    expect(hostOf("not an address")).toBe("not an address");
  });
});
