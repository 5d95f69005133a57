import { defineProject, type Plugin } from "vitest/config";
import { applyMutant, mutants } from "./test/mutation/mutants.js";

const conditions = ["@p2p/source", "import", "module", "node", "default"];

/** With `P2P_MUTANT=<name>` (the mutation check), the sources are loaded with that mutant applied. */
function mutantPlugin(name: string | undefined): Plugin[] {
  if (name === undefined || name === "") return [];
  const mutant = mutants.find((candidate) => candidate.name === name);
  if (mutant === undefined) throw new Error(`P2P_MUTANT=${name}: no such mutant`);
  return [
    {
      name: "p2p-mutant",
      enforce: "pre",
      transform: (code, id) => {
        const file = id.split("?")[0] ?? id;
        return mutant.edits.some((edit) => file.endsWith(`/packages/quorum/${edit.file}`))
          ? applyMutant(mutant, file, code)
          : undefined;
      },
    },
  ];
}

export default defineProject({
  plugins: mutantPlugin(process.env.P2P_MUTANT),
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    name: "@p2p/quorum",
    testTimeout: 30_000,
    hookTimeout: 30_000,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
  },
});
