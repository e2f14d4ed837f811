#!/usr/bin/env node
// Entry point of the `scope-watchdog` executable, built by scripts/bundle.mjs as CommonJS (dist/cli/bin.cjs, the
// package's "bin"): a CommonJS entry spares `check` Node's ES module loader, about 8 ms of every start on Node 20
// (bench/check.mjs). dist/cli/bin.js, the path services installed by earlier versions run, loads this file.

import module from "node:module";
// bundled into bin.cjs (a few lines, no module of its own)
import { errorMessage } from "../common/errors.js";

// Node 22.1+ keeps compiled code between runs (a no-op where unsupported): `check` starts about a third faster.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** What the entry exports (entry.ts, built once per kind): the command line, and the redaction that knows its secrets. */
type Entry = typeof import("./entry.js");

// Nothing of the project is loaded here but errors.ts: `check`, the one-shot command people and scripts run most,
// loads the single-file CommonJS build of entry.ts and nothing else; every other command the split ES module build.
const loaded: Promise<Entry> =
  process.argv[2] === "check"
    ? Promise.resolve().then(() => require("./check-bundle.cjs") as Entry)
    : import("./entry.js"); // the split build of entry.ts: dist/cli/cli.js (scripts/bundle.mjs)
loaded.then(
  (entry) =>
    entry.main(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        // main redacts what it prints; this is the last resort when main itself failed
        process.stderr.write(`scope-watchdog: ${entry.redact(errorMessage(err))}\n`);
        process.exitCode = 2;
      },
    ),
  (err: unknown) => {
    // the build itself is broken (a file missing from dist/): nothing of the watchdog ran, so no secret is known
    process.stderr.write(`scope-watchdog: cannot load the command: ${errorMessage(err)}\n`);
    process.exitCode = 2;
  },
);
