#!/usr/bin/env node
// Bundles the CLI after `tsc`. Node 20 has no compile cache, and its ES module loader costs a few milliseconds per
// module and about 8 ms to start at all: `check`, the one-shot command, runs as CommonJS files only, every other
// command as one ES module entry with each command's own code in a chunk loaded on demand (bench/check.mjs).
//
//   dist/cli/bin.cjs              the package's "bin" (src/cli/bin.ts): loads one of the two below
//   dist/cli/check-bundle.cjs     `check`: src/cli/entry.ts with everything it can reach, in one file
//   dist/cli/config-validate.cjs  zod and the config schema, loaded by `check` only for a config file
//   dist/cli/cli.js + chunks/     every other command: the same src/cli/entry.ts, split
//   dist/cli/bin.js               the path services installed by earlier versions run: loads bin.cjs
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
const out = path.join(root, "dist", "cli");
// zod is bundled into the code that validates a config file: as a package it is ~80 ES modules that Node 20
// resolves and links one by one (more than half of `check --config`'s start-up), bundled it is one tree-shaken
// chunk. Every other npm package stays external, loaded only by the commands that use it.
const BUNDLED = new Set(["zod"]);
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const external = Object.keys(pkg.dependencies ?? {})
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);
// chunks are content-hashed: clear the old ones so dist/ holds only what this build references
rmSync(path.join(out, "chunks"), { recursive: true, force: true });
const common = {
  bundle: true,
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
  outdir: out,
};
const ENTRY = path.join(root, "src", "cli", "entry.ts");
const commonJs = { ...common, format: "cjs", outExtension: { ".js": ".cjs" } };

// the executable: requires check-bundle.cjs for `check`, imports cli.js for the rest
await build({
  ...commonJs,
  entryPoints: { bin: path.join(root, "src", "cli", "bin.ts") },
  external: ["./check-bundle.cjs"],
  plugins: [splitBuildOfEntry()],
});
// every other command: one entry, each command's own code in a chunk loaded on demand
await build({
  ...common,
  format: "esm",
  entryPoints: { cli: ENTRY },
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  external,
});
// `check`: one file with all it can reach but the config validation; the other commands stay outside it, never
// loaded by `check`
const VALIDATE = path.join(root, "src", "config", "validate.ts");
await build({
  ...commonJs,
  entryPoints: { "check-bundle": ENTRY },
  plugins: [validationApart()],
  external: [
    ...external,
    "./fix.js",
    "./status.js",
    "./service.js",
    "./run.js",
    "./pair.js",
    "./silence.js",
    "./config-cmd.js",
    "./config-validate.cjs",
  ],
});
// The config validation (zod and the schema: two fifths of what `check` would otherwise compile on every start)
// is its own file beside check-bundle.cjs, required only when there is a config file to validate
await build({
  ...commonJs,
  entryPoints: { "config-validate": VALIDATE },
  external,
  // `import.meta.url` (the schema's createRequire of croner) as CommonJS has it
  banner: { js: 'const import_meta_url = require("node:url").pathToFileURL(__filename).href;' },
  define: { "import.meta.url": "import_meta_url" },
});
// tsc wrote its own bin.js (of bin.ts, which is CommonJS only once bundled): the old path runs the executable
writeFileSync(
  path.join(out, "bin.js"),
  `#!/usr/bin/env node\n// The path services installed by earlier versions run (ExecStart): the executable is bin.cjs.\nimport "./bin.cjs";\n`,
);

/**
 * esbuild plugin: the check bundle requires the validation from ./config-validate.cjs when `load.ts` first imports
 * it, instead of holding it (a dynamic import of a CommonJS file would start the ES module loader).
 */
function validationApart() {
  return {
    name: "validation-apart",
    setup(b) {
      b.onResolve({ filter: /^\.\/validate\.js$/ }, (args) =>
        path.join(args.resolveDir, "validate.ts") === VALIDATE
          ? { path: "config-validate", namespace: "validation-apart" }
          : undefined,
      );
      b.onLoad({ filter: /.*/, namespace: "validation-apart" }, () => ({
        contents: 'module.exports = require("./config-validate.cjs");',
        loader: "js",
      }));
    },
  };
}

/** esbuild plugin: bin.ts's import of ./entry.js loads entry.ts's split ES module build, dist/cli/cli.js. */
function splitBuildOfEntry() {
  return {
    name: "split-build-of-entry",
    setup(b) {
      b.onResolve({ filter: /^\.\/entry\.js$/ }, () => ({ path: "./cli.js", external: true }));
    },
  };
}
