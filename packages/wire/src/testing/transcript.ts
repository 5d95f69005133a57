/**
 * Transcript tests, after etcd raft's `datadriven`: a text file of blocks, each block one or
 * more command lines, a `----` line, and the output lines the commands must produce, ended
 * by a blank line. Lines starting with `#` are comments. A reviewer reads a protocol's
 * behaviour from the file without reading its code.
 *
 * ```text
 * # a peer registers with two of three seeds
 * register now=0
 * ----
 * send 10.0.0.2:5000 register-request id=1
 * send 10.0.0.3:5000 register-request id=2
 * ```
 *
 * {@link replayTranscript} runs every command and returns the file with each block's output
 * replaced by what the commands produced: a test asserts that it equals the file, and a
 * maintainer regenerates a file by writing the result back.
 */

/** One command line of a transcript. */
export interface TranscriptCommand {
  /** 1-based line number in the file. */
  readonly line: number;
  /** The first word. */
  readonly name: string;
  /** `key=value` words. */
  readonly args: Readonly<Record<string, string>>;
  /** The other words after the first, in order. */
  readonly positional: readonly string[];
  /** The whole line. */
  readonly text: string;
}

/** Splits a command line into its name, `key=value` arguments and positional words. */
export function parseTranscriptCommand(text: string, line = 0): TranscriptCommand {
  const words = text.trim().split(/\s+/);
  const args: Record<string, string> = {};
  const positional: string[] = [];
  for (const word of words.slice(1)) {
    const equals = word.indexOf("=");
    if (equals > 0) args[word.slice(0, equals)] = word.slice(equals + 1);
    else positional.push(word);
  }
  return { line, name: words[0] ?? "", args, positional, text };
}

/**
 * Replays `source`: runs each command through `run` (which returns the output lines) and
 * returns the transcript with every block's output section rewritten. Comments, commands and
 * blank lines between blocks are kept as they are. An exception in `run` becomes the output
 * line `error: <message>`.
 */
export function replayTranscript(
  source: string,
  run: (command: TranscriptCommand) => readonly string[],
): string {
  const lines = source.replace(/\n+$/, "").split("\n");
  const result: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const text = lines[index] as string;
    if (text.trim() === "" || text.startsWith("#")) {
      result.push(text);
      index++;
      continue;
    }
    const outputs: string[] = [];
    while (index < lines.length && (lines[index] as string) !== "----") {
      const commandText = lines[index] as string;
      result.push(commandText);
      if (!commandText.startsWith("#") && commandText.trim() !== "") {
        try {
          outputs.push(...run(parseTranscriptCommand(commandText, index + 1)));
        } catch (error) {
          outputs.push(`error: ${error instanceof Error ? error.message : String(error)}`);
        }
      }
      index++;
    }
    result.push("----");
    index++; // the ---- line
    while (index < lines.length && (lines[index] as string).trim() !== "") index++; // old output
    result.push(...(outputs.length === 0 ? ["(no output)"] : outputs));
  }
  return `${result.join("\n")}\n`;
}

/** Reads a `key=a,b,c` argument as a list (empty string: empty list; absent: `fallback`). */
export function listArgument(
  command: TranscriptCommand,
  key: string,
  fallback: readonly string[] = [],
): string[] {
  const value = command.args[key];
  if (value === undefined) return [...fallback];
  return value === "" ? [] : value.split(",");
}

/** Reads a numeric argument; throws (shown as an `error:` output line) when absent or invalid. */
export function numberArgument(command: TranscriptCommand, key: string, fallback?: number): number {
  const value = command.args[key];
  if (value === undefined) {
    if (fallback !== undefined) return fallback;
    throw new Error(`line ${command.line}: missing ${key}=`);
  }
  const parsed = Number(value);
  if (!Number.isFinite(parsed))
    throw new Error(`line ${command.line}: ${key}=${value} is not a number`);
  return parsed;
}
