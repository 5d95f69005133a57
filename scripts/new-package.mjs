// one-off helper used to lay out package skeletons (kept for adding packages later)
import { existsSync, mkdirSync, writeFileSync } from "node:fs";

const [dir, name, description, pure, depsJson] = process.argv.slice(2);
const deps = JSON.parse(depsJson ?? "{}");
const isApp = dir.startsWith("apps/");
const pkg = {
  name,
  version: "0.1.0",
  description,
  ...(isApp ? { private: true } : {}),
  type: "module",
  sideEffects: false,
  license: "MIT",
  engines: { node: ">=20.19" },
  exports: {
    ".": {
      "@p2p/source": "./src/index.ts",
      types: "./dist/index.d.ts",
      default: "./dist/index.js",
    },
    "./package.json": "./package.json",
  },
  main: "./dist/index.js",
  types: "./dist/index.d.ts",
  files: ["dist", "src", "!src/**/*.test.ts"],
  scripts: {
    build: "tsup",
    typecheck: "tsc -p tsconfig.json && tsc -p tsconfig.test.json",
  },
  dependencies: deps,
};
mkdirSync(`${dir}/src`, { recursive: true });
writeFileSync(`${dir}/package.json`, `${JSON.stringify(pkg, null, 2)}\n`);
writeFileSync(
  `${dir}/tsconfig.json`,
  `${JSON.stringify(
    {
      extends: "../../tsconfig.base.json",
      compilerOptions: { types: pure === "pure" ? [] : ["node"] },
      include: ["src/**/*.ts"],
      exclude: ["src/**/*.test.ts", "test/**"],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  `${dir}/tsconfig.test.json`,
  `${JSON.stringify(
    {
      extends: "../../tsconfig.base.json",
      compilerOptions: { types: ["node"] },
      include: ["src/**/*.ts", "test/**/*.ts", "bench/**/*.ts"],
    },
    null,
    2,
  )}\n`,
);
writeFileSync(
  `${dir}/tsup.config.ts`,
  `import { defineConfig } from "tsup";\n\nexport default defineConfig({\n  entry: ["src/index.ts"],\n  format: ["esm"],\n  dts: true,\n  sourcemap: true,\n  clean: true,\n  target: "node20",\n});\n`,
);
if (!existsSync(`${dir}/src/index.ts`)) writeFileSync(`${dir}/src/index.ts`, `export {};\n`);
if (!existsSync(`${dir}/README.md`))
  writeFileSync(`${dir}/README.md`, `# ${name}\n\n${description}\n`);
