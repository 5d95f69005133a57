import type { Ballot } from "./ballot.js";

/**
 * An entry of a value's operation memory: the ballot of the attempt that settled the
 * operation, `+` (applied) or `!<code>` (refused with that error, nothing changed), and the
 * operation id: `<counter> <proposer> <+|!code> <id>`. The ballot tells a proposer its own
 * attempt from another seed's; the refusal keeps a request retried at another seed from
 * taking effect there after it was answered with an error here.
 */
export const operationEntry = (operationId: string, ballot: Ballot, errorCode?: string): string =>
  `${ballot.counter} ${ballot.proposer} ${errorCode === undefined ? "+" : `!${errorCode}`} ${operationId}`;

const ENTRY = /^(\d+) (\S+) (\+|!\S+) ([\s\S]*)$/;

/** The parts of a memory entry (an entry of an older format is an operation id alone). */
export const parseEntry = (
  entry: string,
): { operationId: string; errorCode: string | undefined } => {
  const match = ENTRY.exec(entry);
  if (match === null) return { operationId: entry, errorCode: undefined };
  const outcome = match[3] as string;
  return {
    operationId: match[4] as string,
    errorCode: outcome === "+" ? undefined : outcome.slice(1),
  };
};
