/**
 * Deliberately broken variants of the acceptor, proposer and registry. `pnpm mutants` runs the
 * seeded simulation suite against each one and fails unless every mutant is caught: a suite
 * weakened until it misses a real consensus bug cannot land unnoticed.
 */

/** One textual edit of one source file (`find` must occur exactly once). */
interface MutantEdit {
  /** Path relative to `packages/quorum`. */
  readonly file: string;
  readonly find: string;
  readonly replace: string;
}

/** A named mutant: what it breaks, and the edits that break it. */
export interface Mutant {
  readonly name: string;
  readonly breaks: string;
  /**
   * Which tests must catch it: the seeded simulations (`test/*.sim.test.ts`), or the scripted
   * scenarios and unit tests (every other test of the package) for a fault no random
   * schedule makes (a rogue seed's stale certificate).
   */
  readonly suite: "simulation" | "scenario";
  readonly edits: readonly MutantEdit[];
}

/** Every mutant the suite must catch. */
export const mutants: readonly Mutant[] = [
  {
    name: "quorum-of-one",
    breaks: "a single acceptor's answer commits",
    suite: "simulation",
    edits: [
      {
        file: "src/seed-registry-types.ts",
        find: "quorumSize: parsed.quorumSize ?? Math.floor(seeds.length / 2) + 1,",
        replace: "quorumSize: parsed.quorumSize ?? 1,",
      },
    ],
  },
  {
    name: "accept-below-promise",
    breaks: "the acceptor accepts a ballot lower than its promise",
    suite: "simulation",
    edits: [
      {
        file: "src/acceptor.ts",
        find: "if (compareBallots(message.ballot, current.promised) < 0) return refuse(null);",
        replace: "",
      },
    ],
  },
  {
    name: "lowest-ballot-chosen",
    breaks: "the proposer builds on the lowest accepted ballot among the promises",
    suite: "simulation",
    edits: [
      {
        file: "src/proposer-read.ts",
        find: "(latest === null || compareBallots(promise.accepted.ballot, latest.ballot) > 0)",
        replace: "(latest === null || compareBallots(promise.accepted.ballot, latest.ballot) < 0)",
      },
    ],
  },
  {
    name: "accept-not-persisted",
    breaks: "an accepted value is not written to storage",
    suite: "simulation",
    edits: [
      {
        file: "src/acceptor.ts",
        find: "outputs.push(store(message.key, { promised: next, accepted }));",
        replace: "states.set(message.key, { promised: next, accepted });",
      },
    ],
  },
  {
    name: "promise-not-persisted",
    breaks: "a promise made on prepare is not written to storage",
    suite: "simulation",
    edits: [
      {
        file: "src/acceptor.ts",
        find: "outputs.push(store(message.key, { promised: message.ballot, accepted: current.accepted }));",
        replace:
          "states.set(message.key, { promised: message.ballot, accepted: current.accepted });",
      },
    ],
  },
  {
    name: "reservation-ignored-after-restart",
    breaks: "a restarted proposer reuses ballot counters it may have used before",
    suite: "simulation",
    edits: [
      {
        file: "src/seed-registry-state.ts",
        find: "let reservedCounter = keys.get(PROPOSER_RESERVATION_KEY)?.promised.counter ?? 0;",
        replace:
          "let reservedCounter = 0 * (keys.get(PROPOSER_RESERVATION_KEY)?.promised.counter ?? 0);",
      },
      {
        file: "src/seed-registry-state.ts",
        find: "reservedCounter = Math.max(reservedCounter, state.promised.counter);",
        replace: "",
      },
    ],
  },
  {
    name: "next-ballot-ignored",
    breaks: "the acceptor ignores the promise piggybacked on an accept (one-round-trip path)",
    suite: "simulation",
    edits: [
      {
        file: "src/acceptor.ts",
        find: "promised = message.nextBallot;",
        replace: "promised = message.ballot;",
      },
    ],
  },
  {
    name: "restart-view-uncommitted",
    breaks: "a restarted seed shows values its acceptor accepted but never saw committed",
    suite: "simulation",
    edits: [
      {
        file: "src/local-view.ts",
        find: "if (state.accepted.committed === true) {",
        replace: "if (state.accepted !== null) {",
      },
    ],
  },
  {
    name: "ballot-zero-sent-at-once",
    breaks: "a new key's ballot-0 accept goes to every acceptor before its own acceptor saved it",
    // A crash inside that one save, then the same key again: no random schedule hits it.
    suite: "scenario",
    edits: [
      {
        file: "src/proposer.ts",
        find: 'return reserved.concat([{ type: "send", to: settings.id, message: accept }]);',
        replace: "return reserved.concat(broadcast(accept));",
      },
    ],
  },
  {
    name: "ballot-zero-by-any-seed",
    breaks: "every seed writes new keys at ballot 0, not only the key's owner",
    suite: "simulation",
    edits: [
      {
        file: "src/seed-registry.ts",
        find: "owners(key) === seedId &&\n        acceptor.state(key) === undefined &&",
        replace: "acceptor.state(key) === undefined &&",
      },
      {
        file: "src/seed-registry.ts",
        find: "if (message.ballot.counter === 0 && owners(message.key) !== from) return [];",
        replace: "",
      },
    ],
  },
  {
    name: "late-refusal-counted",
    breaks: "a late refusal of an abandoned accept phase counts as an accept",
    suite: "simulation",
    edits: [
      {
        file: "src/proposer.ts",
        find: "if (!message.ok) {\n      learnHeight(message.promised);\n      return [];\n    }\n",
        replace: "",
      },
    ],
  },
  {
    name: "stale-certificate-accepted",
    breaks: "a lagging acceptor builds on a certified base older than its own accepted value",
    suite: "scenario",
    edits: [
      {
        file: "src/acceptor.ts",
        find: "(own === null || compareBallots(base.ballot, own.ballot) > 0) &&",
        replace: "",
      },
    ],
  },
];

/** Applies `mutant`'s edits of `file` to `code`; throws when an edit no longer matches once. */
export function applyMutant(mutant: Mutant, file: string, code: string): string {
  let mutated = code;
  for (const edit of mutant.edits) {
    if (!file.endsWith(`/packages/quorum/${edit.file}`)) continue;
    const count = mutated.split(edit.find).length - 1;
    if (count !== 1) {
      throw new Error(
        `mutant ${mutant.name}: "${edit.find}" occurs ${count} times in ${edit.file} (expected once); update test/mutation/mutants.ts`,
      );
    }
    mutated = mutated.replace(edit.find, edit.replace);
  }
  return mutated;
}
