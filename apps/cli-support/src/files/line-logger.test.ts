import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { Logger } from "@p2p/wire";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createLineLogger, formatLogLine } from "./line-logger.js";
import { runWriterProcesses } from "./writer-processes.js";

const TIME = Date.UTC(2026, 10, 24, 7, 50, 0, 123);

describe("formatLogLine", () => {
  it("stamps the time and names the node", () => {
    expect(formatLogLine(TIME, "peer 127.0.0.1:6001", "info", "hello")).toBe(
      "2026-11-24T07:50:00.123Z [peer 127.0.0.1:6001] hello\n",
    );
  });

  it("tags levels other than info and appends fields", () => {
    expect(
      formatLogLine(TIME, "seed 127.0.0.1:5000", "warn", "closed", {
        remote: "127.0.0.1:6002",
        reason: "frame too large",
        bytes: 70000,
      }),
    ).toBe(
      '2026-11-24T07:50:00.123Z [seed 127.0.0.1:5000] warning: closed remote=127.0.0.1:6002 reason="frame too large" bytes=70000\n',
    );
  });

  it("keeps a message with newlines on one line", () => {
    const line = formatLogLine(TIME, "peer 127.0.0.1:6001", "error", "a\nb\r\nc", {
      detail: "x\ny",
    });
    expect(line.split("\n")).toHaveLength(2);
    expect(line).toContain("a\\nb\\nc");
  });
});

describe("createLineLogger", () => {
  let directory = "";
  beforeEach(async () => {
    directory = await mkdtemp(join(tmpdir(), "p2p-log-"));
  });
  afterEach(async () => {
    await rm(directory, { recursive: true, force: true });
  });

  it("appends whole lines to the file and the screen, dropping lines below its level", async () => {
    const path = join(directory, "logs", "peer.log");
    const screen: string[] = [];
    const logger = createLineLogger({
      path,
      node: "peer 127.0.0.1:6001",
      screen: { write: (text: string) => screen.push(text) },
      now: () => TIME,
    });
    logger.debug("not shown");
    logger.info("registered", { seeds: 2 });
    logger.error("lost seed");
    logger.close();
    logger.info("after close");
    logger.close();
    const expected = [
      "2026-11-24T07:50:00.123Z [peer 127.0.0.1:6001] registered seeds=2\n",
      "2026-11-24T07:50:00.123Z [peer 127.0.0.1:6001] error: lost seed\n",
    ];
    expect(await readFile(path, "utf8")).toBe(expected.join(""));
    expect(screen).toEqual(expected);
  });

  it("is a @p2p/wire Logger", async () => {
    const path = join(directory, "seed.log");
    const lineLogger = createLineLogger({ path, node: "seed 127.0.0.1:5000", now: () => TIME });
    const logger: Logger = lineLogger;
    logger.warn("slow seed", { remote: "127.0.0.1:5001" });
    lineLogger.close();
    expect(await readFile(path, "utf8")).toBe(
      "2026-11-24T07:50:00.123Z [seed 127.0.0.1:5000] warning: slow seed remote=127.0.0.1:5001\n",
    );
  });

  it("appends after what is already in the file", async () => {
    const path = join(directory, "outputfile.txt");
    for (const node of ["peer 127.0.0.1:6001", "peer 127.0.0.1:6002"]) {
      const logger = createLineLogger({ path, node, level: "debug", now: () => TIME });
      logger.debug("message");
      logger.close();
    }
    expect((await readFile(path, "utf8")).split("\n").filter(Boolean)).toHaveLength(2);
  });

  it("throws LOG_OPEN_FAILED for a path it cannot open", () => {
    expect(() => createLineLogger({ path: directory, node: "seed 127.0.0.1:5000" })).toThrow(
      expect.objectContaining({ code: "LOG_OPEN_FAILED" }),
    );
  });

  it("keeps every line whole when several processes append at once", async () => {
    const path = join(directory, "shared.log");
    const processCount = 4;
    const linesEach = 2000;
    const moduleUrl = pathToFileURL(
      fileURLToPath(new URL("./line-logger.ts", import.meta.url)),
    ).href;
    const script = `
      import { createLineLogger } from ${JSON.stringify(moduleUrl)};
      const [path, node, count] = process.argv.slice(1);
      const logger = createLineLogger({ path, node });
      const filler = "x".repeat(Number(300 + node.length * 37));
      for (let index = 0; index < Number(count); index += 1) logger.info("line " + index + " " + filler);
      logger.close();
    `;
    const codes = await runWriterProcesses(script, path, processCount, linesEach);
    expect(codes).toEqual(Array(processCount).fill(0));
    const lines = (await readFile(path, "utf8")).split("\n");
    expect(lines.pop()).toBe("");
    expect(lines).toHaveLength(processCount * linesEach);
    const nextIndex = new Map<string, number>();
    for (const line of lines) {
      const match =
        /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z \[(peer [^\]]+)\] line (\d+) (x+)$/.exec(line);
      expect(match, line.slice(0, 80)).not.toBeNull();
      if (match === null) continue;
      const node = match[1] ?? "";
      expect(match[3]?.length).toBe(300 + node.length * 37);
      // Each writer's lines appear complete and in its own order.
      expect(Number(match[2])).toBe(nextIndex.get(node) ?? 0);
      nextIndex.set(node, Number(match[2]) + 1);
    }
    expect(nextIndex.size).toBe(processCount);
  });
});
