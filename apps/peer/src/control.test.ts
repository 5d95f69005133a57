import { describe, expect, it } from "vitest";
import { parseControlLine } from "./control.js";

describe("parseControlLine", () => {
  it("reads the three commands", () => {
    expect(parseControlLine("start 127.0.0.1:7001")).toEqual({
      verb: "start",
      address: "127.0.0.1:7001",
    });
    expect(parseControlLine("  crash [::1]:7002 ")).toEqual({
      verb: "crash",
      address: "[::1]:7002",
    });
    expect(parseControlLine("leave 10.0.0.5:7003")).toEqual({
      verb: "leave",
      address: "10.0.0.5:7003",
    });
  });

  it("skips blank lines and names what is wrong with the others", () => {
    expect(parseControlLine("   ")).toBeUndefined();
    expect(parseControlLine("kill 127.0.0.1:7001")).toMatch(/unknown command "kill"/);
    expect(parseControlLine("crash")).toBe("usage: crash <ip:port>");
    expect(parseControlLine("crash 127.0.0.1:7001 now")).toBe("usage: crash <ip:port>");
    expect(parseControlLine("start localhost")).toMatch(/not an ip:port address/);
  });
});
