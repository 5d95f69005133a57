import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath, pathToFileURL } from "node:url";
import { loadNetworkConfig, parseSeedList, type SeedListEntry } from "@p2p/cli-support";
import { type Browser, chromium, type Page } from "playwright-core";
import { afterAll, describe, expect, it } from "vitest";
import { startViewServer, type ViewServer } from "../src/view/index.js";
import { configText, freePortBlock, isAlive, killAll, waitUntil } from "./helpers.js";

// A real network (the starter with 3 seeds and 3 peers on the fast profile, without its own
// view), the web view in-process, and headless Chromium reading the page. Chromium is required: without it this
// test fails and says how to install it.

const MAIN = fileURLToPath(new URL("../src/main.ts", import.meta.url));
const TSX = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const LONG_MS = 90_000;

const pids = new Set<number>();
let directory: string | undefined;
let starter: ChildProcessWithoutNullStreams | undefined;
let starterExited: Promise<unknown> | undefined;
let view: ViewServer | undefined;
let browser: Browser | undefined;

afterAll(async () => {
  await browser?.close().catch(() => undefined);
  await view?.close();
  if (starter !== undefined && starter.exitCode === null && starter.signalCode === null) {
    starter.stdin.end("exit\n");
    const stopped = await Promise.race([
      starterExited?.then(() => true),
      new Promise((done) => setTimeout(() => done(false), 15_000)),
    ]);
    if (!stopped && starter.pid !== undefined) killAll([starter.pid]);
  }
  killAll([...pids].filter(isAlive));
  if (directory !== undefined) await rm(directory, { recursive: true, force: true });
}, 60_000);

/** Starts the starter on `configPath` with a stdin pipe; collects its output lines. */
function runStarter(configPath: string, cwd: string, onLine: (line: string) => void): string[] {
  const child = spawn(
    process.execPath,
    [
      "--import",
      TSX,
      "--conditions=@p2p/source",
      MAIN,
      configPath,
      "--profile",
      "fast",
      "--no-view",
    ],
    { cwd, stdio: ["pipe", "pipe", "pipe"] },
  );
  starter = child;
  starterExited = new Promise((done) => child.on("exit", done));
  if (child.pid !== undefined) pids.add(child.pid);
  const lines: string[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    lines.push(line);
    const started = /^(?:started|revived) \w+ \S+ \(pid (\d+)\)$/.exec(line);
    if (started) pids.add(Number(started[1]));
    onLine(line);
  });
  createInterface({ input: child.stderr }).on("line", (line) => lines.push(`stderr: ${line}`));
  return lines;
}

/** Waits until some element matches `selector` (or, with `isGone`, until none does). */
async function waitForSelector(page: Page, selector: string, isGone = false): Promise<void> {
  await page.waitForSelector(selector, {
    state: isGone ? "detached" : "attached",
    timeout: LONG_MS,
  });
}

describe("web view in a browser", () => {
  it("shows every seed and peer of a running network, then a killed peer's removal", {
    timeout: 240_000,
  }, async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(
        "chromium not found; install it with `apt-get install chromium` (or set CHROMIUM_PATH)",
      );
    }
    directory = await mkdtemp(join(tmpdir(), "p2p-view-"));
    const base = await freePortBlock(10);
    const seedAddresses = [0, 1, 2].map((offset) => `127.0.0.1:${base + offset}`);
    const configPath = join(directory, "config.yml");
    await writeFile(
      configPath,
      configText({
        seedPorts: [base, base + 1, base + 2],
        peerStart: base + 4,
        peerEnd: base + 9,
        initialPeers: 3,
        dataDir: join(directory, "data"),
      }),
    );
    const config = await loadNetworkConfig(configPath, "fast");

    // What the starter will do with its peers' output: hand `Dead Node:` lines to the view.
    const lines = runStarter(configPath, directory, (line) => {
      if (line.includes("Dead Node:")) view?.push(line);
    });
    await waitUntil(
      () => lines.some((line) => line.startsWith("network up: 6 nodes")),
      `the network to start (output: ${lines.slice(-5).join(" | ")})`,
      LONG_MS,
    );
    const peerAddresses = lines.flatMap((line) => {
      const match = /^started peer (\S+) \(pid \d+\)$/.exec(line);
      return match?.[1] === undefined ? [] : [match[1]];
    });
    expect(peerAddresses).toHaveLength(3);

    const seedsFile = join(directory, "config.txt");
    const seeds = (): readonly SeedListEntry[] => {
      if (!existsSync(seedsFile)) return [];
      const parsed = parseSeedList(readFileSync(seedsFile, "utf8"), seedsFile);
      return parsed.ok ? parsed.value : [];
    };
    view = await startViewServer({ seeds, config, port: 0 });
    expect(view.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);

    browser = await chromium.launch({ executablePath: CHROMIUM });
    const page = await browser.newPage({ viewport: { width: 1400, height: 1000 } });
    const requests: string[] = [];
    page.on("request", (request) => requests.push(request.url()));
    await page.goto(view.url);

    for (const seed of seedAddresses) {
      await waitForSelector(page, `#seeds tr[data-seed="${seed}"][data-answering="true"]`);
      await waitForSelector(page, `#overlay g[data-node="${seed}"][data-role="seed"]`);
    }
    for (const peer of peerAddresses) {
      await waitForSelector(page, `#members tr[data-member="${peer}"][data-status="alive"]`);
      await waitForSelector(page, `#overlay g[data-node="${peer}"][data-role="peer"]`);
    }
    await waitForSelector(page, `#agreement[data-agreed="true"]`);
    await waitForSelector(page, "#overlay line[data-edge]");
    expect(await page.textContent("#fit")).toContain("not meaningful yet");

    const victim = peerAddresses[1] as string;
    const victimPort = victim.slice(victim.lastIndexOf(":") + 1);
    starter?.stdin.write(`kill ${victimPort}\n`);
    await waitUntil(
      () => lines.some((line) => line.startsWith(`killed peer ${victim} `)),
      `the starter to kill ${victim}`,
      LONG_MS,
    );

    await waitForSelector(page, `#members tr[data-member="${victim}"][data-status="alive"]`, true);
    await waitForSelector(page, `#overlay g[data-node="${victim}"]`, true);
    await waitForSelector(
      page,
      `#events li[data-address="${victim}"]:is([data-event="dead-node"], [data-event="member-removed"])`,
    );
    for (const peer of peerAddresses.filter((address) => address !== victim)) {
      expect(
        await page.locator(`#members tr[data-member="${peer}"][data-status="alive"]`).count(),
      ).toBe(1);
    }
    expect(requests.every((url) => url.startsWith(view?.url ?? "-"))).toBe(true);

    const shots = await mkdtemp(join(tmpdir(), "p2p-view-screenshot-"));
    const screenshot = join(shots, "view.png");
    await page.screenshot({ path: screenshot, fullPage: true });
    process.stdout.write(`web view screenshot: ${screenshot}\n`);
  });
});
