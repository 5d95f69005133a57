import { describe, expect, it } from "vitest";
import type { NodeExit, NodeProcess, StartNodeProcessOptions } from "./node-process.js";
import { createPeerHosts } from "./peer-hosts.js";

/** A host process that exits only when the test says so, after its stdin was closed. */
function fakeHost(options: StartNodeProcessOptions) {
  let exit: (value: NodeExit) => void = () => {};
  const exited = new Promise<NodeExit>((resolve) => {
    exit = resolve;
  });
  const lines: string[] = [];
  let isInputClosed = false;
  const process: NodeProcess = {
    role: "peer",
    address: options.address,
    pid: 4242,
    ready: new Promise(() => {}),
    waiting: new Promise(() => {}),
    exited,
    hasExited: () => false,
    signal: () => {},
    closeInput: () => {
      isInputClosed = true;
    },
    writeLine: (line) => lines.push(line),
  };
  return {
    process,
    lines,
    isInputClosed: () => isInputClosed,
    say: (line: string) => options.onOutputLine(line),
    exit: () => exit({ code: 0, signal: null }),
  };
}

const peerOptions = (address: string): StartNodeProcessOptions => ({
  role: "peer",
  address,
  command: { command: "peer", args: [address], env: {} },
  onOutputLine: () => {},
  onErrorLine: () => {},
});

describe("createPeerHosts", () => {
  it("reports a host's last peer ended only once the host process has exited too", async () => {
    let host: ReturnType<typeof fakeHost> | undefined;
    const hosts = createPeerHosts(2, (options) => {
      host = fakeHost(options);
      return host.process;
    });
    const first = hosts.start(peerOptions("127.0.0.1:6001"));
    const second = hosts.start(peerOptions("127.0.0.1:6002"));
    if (host === undefined) throw new Error("no host was started");
    expect(host.lines).toEqual(["start 127.0.0.1:6002"]);
    const ended: string[] = [];
    void first.exited.then(() => ended.push("first"));
    void second.exited.then(() => ended.push("second"));

    // A peer beside which another still runs has ended when the host says so.
    host.say("exited peer 127.0.0.1:6001: left");
    await Promise.resolve();
    expect(ended).toEqual(["first"]);
    // The last one: its host's stdin is closed, but the process is still there.
    host.say("exited peer 127.0.0.1:6002: left");
    expect(host.isInputClosed()).toBe(true);
    for (let turn = 0; turn < 5; turn++) await Promise.resolve();
    expect(ended).toEqual(["first"]);
    host.exit();
    await second.exited;
    expect(ended).toEqual(["first", "second"]);
  });
});
