import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "@p2p/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { runWriterProcesses } from "../files/writer-processes.js";
import { createNodeLogger, formatPrettyLogLine } from "./node-logger.js";

const TIME = Date.UTC(2026, 10, 24, 7, 50, 0, 123);
const STAMP = "2026-11-24T07:50:00.123Z";

let directory = "";
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), "p2p-node-log-"));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

const readLines = async (path: string): Promise<string[]> => {
  const lines = (await readFile(path, "utf8")).split("\n");
  expect(lines.pop()).toBe("");
  return lines;
};
const readJson = async (path: string) =>
  (await readLines(path)).map((line) => JSON.parse(line) as Record<string, unknown>);

describe("createNodeLogger", () => {
  it("writes one JSON object per event with time, level, node, event and its fields", async () => {
    const path = join(directory, "logs", "peer.log");
    const screen: string[] = [];
    const logger = createNodeLogger({
      path,
      node: "peer 127.0.0.1:6001",
      screen: { write: (text: string) => screen.push(text) },
      now: () => TIME,
    });
    logger.event(
      "info",
      "registered",
      { incarnation: 0, seeds: ["127.0.0.1:5000", "127.0.0.1:5001"] },
      "registered (incarnation 0) with 127.0.0.1:5000, 127.0.0.1:5001",
    );
    logger.event("warn", "peer-suspected", { suspect: "127.0.0.1:6002" }, "suspect 127.0.0.1:6002");
    logger.close();
    expect(await readJson(path)).toEqual([
      {
        time: STAMP,
        level: "info",
        node: "peer 127.0.0.1:6001",
        event: "registered",
        incarnation: 0,
        seeds: ["127.0.0.1:5000", "127.0.0.1:5001"],
        msg: "registered (incarnation 0) with 127.0.0.1:5000, 127.0.0.1:5001",
      },
      {
        time: STAMP,
        level: "warn",
        node: "peer 127.0.0.1:6001",
        event: "peer-suspected",
        suspect: "127.0.0.1:6002",
        msg: "suspect 127.0.0.1:6002",
      },
    ]);
    // The screen gets the readable line, warnings tagged as the starter expects.
    expect(screen).toEqual([
      `${STAMP} [peer 127.0.0.1:6001] registered (incarnation 0) with 127.0.0.1:5000, 127.0.0.1:5001\n`,
      `${STAMP} [peer 127.0.0.1:6001] warning: suspect 127.0.0.1:6002\n`,
    ]);
  });

  it("drops lines below its level, in the file and on the screen", async () => {
    const path = join(directory, "seed.log");
    const screen: string[] = [];
    const logger = createNodeLogger({
      path,
      node: "seed 127.0.0.1:5000",
      level: "warn",
      screen: { write: (text: string) => screen.push(text) },
    });
    expect(logger.isLevelEnabled("info")).toBe(false);
    expect(logger.isLevelEnabled("error")).toBe(true);
    logger.event("info", "member-registered", { peer: "127.0.0.1:6001" }, "registered");
    logger.debug("dial failed");
    logger.error("acceptor state could not be saved");
    logger.close();
    const lines = await readJson(path);
    expect(lines.map((line) => line.level)).toEqual(["error"]);
    expect(screen).toHaveLength(1);

    const tracePath = join(directory, "trace.log");
    const verbose = createNodeLogger({
      path: tracePath,
      node: "seed 127.0.0.1:5000",
      level: "trace",
    });
    verbose.trace("frame", { bytes: 12 });
    verbose.debug("dial failed");
    verbose.close();
    expect((await readJson(tracePath)).map((line) => line.level)).toEqual(["trace", "debug"]);
  });

  it("is a @p2p/wire Logger: library lines keep their message, kebab-case names become events", async () => {
    const path = join(directory, "seed.log");
    const nodeLogger = createNodeLogger({ path, node: "seed 127.0.0.1:5000", now: () => TIME });
    const logger: Logger = nodeLogger;
    logger.warn("refused a link from 127.0.0.1:6001: ROLE_REFUSED: a pinned seed", {
      remote: "127.0.0.1:40000",
      level: "shadowed",
      error: new Error("boom"),
    });
    logger.info("candidate-unreachable", { neighbour: "127.0.0.1:6003" });
    nodeLogger.close();
    nodeLogger.info("after close");
    nodeLogger.close();
    const [refused, unreachable, ...rest] = await readJson(path);
    expect(rest).toEqual([]);
    expect(refused).toMatchObject({
      level: "warn",
      event: "log",
      msg: "refused a link from 127.0.0.1:6001: ROLE_REFUSED: a pinned seed",
      remote: "127.0.0.1:40000",
      _level: "shadowed",
      error: "boom",
    });
    expect(unreachable).toMatchObject({
      event: "candidate-unreachable",
      neighbour: "127.0.0.1:6003",
    });
  });

  it("writes one readable line per event with --log-format pretty", async () => {
    const path = join(directory, "peer.log");
    const logger = createNodeLogger({
      path,
      node: "peer 127.0.0.1:6001",
      format: "pretty",
      now: () => TIME,
    });
    logger.event("info", "registered", { incarnation: 0 }, "registered (incarnation 0)");
    logger.event(
      "info",
      "message-delivered",
      { from: "127.0.0.1:6002", text: "two\nlines" },
      "received from 127.0.0.1:6002",
    );
    logger.warn("connection closed: bad frame", { remote: "127.0.0.1:6003" });
    logger.close();
    expect(await readLines(path)).toEqual([
      `${STAMP} [peer 127.0.0.1:6001] info registered incarnation=0`,
      `${STAMP} [peer 127.0.0.1:6001] info message-delivered from=127.0.0.1:6002 text="two\\nlines"`,
      `${STAMP} [peer 127.0.0.1:6001] warn connection closed: bad frame remote=127.0.0.1:6003`,
    ]);
  });

  it("throws LOG_OPEN_FAILED for a path it cannot open", () => {
    expect(() => createNodeLogger({ path: directory, node: "seed 127.0.0.1:5000" })).toThrow(
      expect.objectContaining({ code: "LOG_OPEN_FAILED" }),
    );
  });

  it("appends after what is already in the file, from two loggers at once", async () => {
    const path = join(directory, "peer.log");
    const first = createNodeLogger({ path, node: "peer 127.0.0.1:6001" });
    const second = createNodeLogger({ path, node: "peer 127.0.0.1:6002", format: "pretty" });
    for (let index = 0; index < 100; index += 1) {
      first.event("info", "message-published", { index }, `published ${index}`);
      second.event("info", "message-published", { index }, `published ${index}`);
    }
    first.close();
    second.close();
    const lines = await readLines(path);
    expect(lines).toHaveLength(200);
    expect(
      lines.filter((line) => line.startsWith("{")).map((line) => JSON.parse(line).index),
    ).toEqual(Array.from({ length: 100 }, (_, index) => index));
    expect(
      lines.filter((line) =>
        / \[peer 127\.0\.0\.1:6002\] info message-published index=\d+$/.test(line),
      ),
    ).toHaveLength(100);
  });

  it("keeps every line whole when several processes append to one file", async () => {
    const path = join(directory, "shared.log");
    const processCount = 4;
    const linesEach = 1500;
    const moduleUrl = pathToFileURL(
      fileURLToPath(new URL("./node-logger.ts", import.meta.url)),
    ).href;
    const script = `
      import { createNodeLogger } from ${JSON.stringify(moduleUrl)};
      const [path, node, count] = process.argv.slice(1);
      const logger = createNodeLogger({ path, node });
      const text = "x".repeat(Number(300 + node.length * 37));
      for (let index = 0; index < Number(count); index += 1) {
        logger.event("info", "message-delivered", { index, text }, "received " + index);
      }
      logger.close();
    `;
    const codes = await runWriterProcesses(script, path, processCount, linesEach);
    expect(codes).toEqual(Array(processCount).fill(0));
    const lines = await readLines(path);
    expect(lines).toHaveLength(processCount * linesEach);
    const nextIndex = new Map<string, number>();
    for (const line of lines) {
      const record = JSON.parse(line) as { node: string; index: number; text: string };
      expect(record.text.length).toBe(300 + record.node.length * 37);
      // Each writer's lines appear complete and in its own order.
      expect(record.index).toBe(nextIndex.get(record.node) ?? 0);
      nextIndex.set(record.node, record.index + 1);
    }
    expect(nextIndex.size).toBe(processCount);
  });
});

describe("formatPrettyLogLine", () => {
  it("shows the level, the event name and the fields on one line", () => {
    const json = JSON.stringify({
      level: "info",
      time: STAMP,
      node: "seed 127.0.0.1:5000",
      event: "member-removed",
      peer: "127.0.0.1:6001",
      reason: "dead",
      msg: "removed 127.0.0.1:6001",
    });
    expect(formatPrettyLogLine(`${json}\n`)).toBe(
      `${STAMP} [seed 127.0.0.1:5000] info member-removed peer=127.0.0.1:6001 reason=dead\n`,
    );
  });

  it("passes a line that is not JSON through as one line", () => {
    expect(formatPrettyLogLine("not json")).toBe("not json\n");
  });
});
