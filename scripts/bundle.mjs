#!/usr/bin/env node
import path from "node:path";
// Bundles the CLI after `tsc`: dist/cli/bin.js becomes one module for everything `check` needs, with each command's
// own code in a chunk loaded on demand (dist/cli/chunks/). Node 20 has no compile cache, and its ESM loader costs
// a few milliseconds per module: one bundle instead of ~30 modules brings `check` within 2× a bare `node -e 0`
// (bench/check.mjs). npm packages stay external (node_modules), loaded only by the commands that use them.
import { build } from "esbuild";

const root = path.resolve(import.meta.dirname, "..");
await build({
  entryPoints: { bin: path.join(root, "src", "cli", "bin.ts") },
  outdir: path.join(root, "dist", "cli"),
  chunkNames: "chunks/[name]-[hash]",
  bundle: true,
  splitting: true,
  format: "esm",
  platform: "node",
  target: "node20",
  packages: "external",
  sourcemap: "linked",
  logLevel: "warning",
});
