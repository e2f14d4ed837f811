#!/usr/bin/env node
// Bundles the CLI after `tsc`: dist/cli/bin.js becomes one module for everything `check` needs, with each command's
// own code in a chunk loaded on demand (dist/cli/chunks/). Node 20 has no compile cache, and its ESM loader costs
// a few milliseconds per module: one bundle instead of ~30 modules brings `check` within 2× a bare `node -e 0`
// (bench/check.mjs).
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
// zod is bundled into the code that validates a config file: as a package it is ~80 ES modules that Node 20
// resolves and links one by one (more than half of `check --config`'s start-up), bundled it is one tree-shaken
// chunk. Every other npm package stays external, loaded only by the commands that use it.
const BUNDLED = new Set(["zod"]);
const pkg = JSON.parse(readFileSync(path.join(root, "package.json"), "utf8"));
const external = Object.keys(pkg.dependencies ?? {})
  .filter((name) => !BUNDLED.has(name))
  .flatMap((name) => [name, `${name}/*`]);
// chunks are content-hashed: clear the old ones so dist/ holds only what this build references
rmSync(path.join(root, "dist", "cli", "chunks"), { recursive: true, force: true });
const common = {
  bundle: true,
  format: "esm",
  platform: "node",
  target: "node20",
  sourcemap: "linked",
  logLevel: "warning",
};
// every command: one entry, each command's own code in a chunk loaded on demand; `check` goes to its own file
await build({
  ...common,
  entryPoints: { bin: path.join(root, "src", "cli", "bin.ts") },
  outdir: path.join(root, "dist", "cli"),
  chunkNames: "chunks/[name]-[hash]",
  splitting: true,
  external: [...external, "./check-bundle.js"],
});
// `check`: one file with all it can reach but the config validation; the other commands stay outside it, never
// loaded by `check`
const VALIDATE = path.join(root, "src", "config", "validate.ts");
await build({
  ...common,
  entryPoints: { "check-bundle": path.join(root, "src", "cli", "check-bundle.ts") },
  outdir: path.join(root, "dist", "cli"),
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
  ],
});
// The config validation (zod and the schema, 240 KB: two thirds of what `check` would otherwise compile on every
// start) is its own file beside check-bundle.js, loaded only when there is a config file to validate
await build({
  ...common,
  entryPoints: { "config-validate": VALIDATE },
  outdir: path.join(root, "dist", "cli"),
  external,
});

/** esbuild plugin: the check bundle imports the validation from ./config-validate.js instead of holding it. */
function validationApart() {
  return {
    name: "validation-apart",
    setup(b) {
      b.onResolve({ filter: /^\.\/validate\.js$/ }, (args) =>
        path.join(args.resolveDir, "validate.ts") === VALIDATE
          ? { path: "./config-validate.js", external: true }
          : undefined,
      );
    },
  };
}
