import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect, it } from "vitest";

/**
 * One vitest test per `*.txt` transcript in `directory`: `replay` turns the file's text into
 * the text its commands produce, and the test asserts they are equal. With `P2P_REWRITE=1`
 * the files are rewritten instead (after an intended change; review the diff).
 */
export function testTranscripts(directory: string, replay: (text: string) => string): void {
  const files = readdirSync(directory).filter((name) => name.endsWith(".txt"));
  for (const file of files.sort()) {
    it(file, () => {
      const path = join(directory, file);
      const text = readFileSync(path, "utf8");
      const replayed = replay(text);
      if (process.env.P2P_REWRITE === "1") writeFileSync(path, replayed);
      else expect(replayed).toBe(text);
    });
  }
}
