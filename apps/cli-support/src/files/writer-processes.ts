// Test support: several processes appending to one file at once.
import { spawn } from "node:child_process";
import { createRequire } from "node:module";
import { pathToFileURL } from "node:url";

/**
 * Runs `processCount` Node processes (tsx-loaded, sources by the `@p2p/source` condition) that
 * each run the ES module `script` with the arguments `path`, a node name of its own
 * (`peer 127.0.0.1:<6001 + i>` plus i `#`, so the lines differ in length) and `linesEach`;
 * resolves with their exit codes.
 */
export async function runWriterProcesses(
  script: string,
  path: string,
  processCount: number,
  linesEach: number,
): Promise<(number | null)[]> {
  const loader = pathToFileURL(createRequire(import.meta.url).resolve("tsx")).href;
  const children = Array.from({ length: processCount }, (_, index) =>
    spawn(
      process.execPath,
      [
        "--import",
        loader,
        "--conditions=@p2p/source",
        "--input-type=module",
        "-e",
        script,
        path,
        `peer 127.0.0.1:${6001 + index}${"#".repeat(index)}`,
        String(linesEach),
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    ),
  );
  return Promise.all(
    children.map(
      (child) => new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code))),
    ),
  );
}
