#!/usr/bin/env node
// Entry point of the `scope-watchdog` executable, built by scripts/bundle.mjs as CommonJS (dist/cli/bin.cjs, the
// package's "bin"): a CommonJS entry spares `check` Node's ES module loader, about 8 ms of every start on Node 20
// (bench/check.mjs). dist/cli/bin.js, the path services installed by earlier versions run, loads this file.

import module from "node:module";

// Node 22.1+ keeps compiled code between runs (a no-op where unsupported): `check` starts about a third faster.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

/** What each build's entry exports (check-bundle.ts, cli.ts): the command line, and the redaction that knows its secrets. */
interface Entry {
  main: (argv: string[]) => Promise<number>;
  redact: (text: string) => string;
  errorMessage: (err: unknown) => string;
}

// Nothing else is imported statically here: `check`, the one-shot command people and scripts run most, loads its
// single-file CommonJS build (check-bundle.ts) and nothing else; every other command loads the split ES module build.
const loaded: Promise<Entry> =
  process.argv[2] === "check"
    ? Promise.resolve().then(() => require("./check-bundle.cjs") as Entry)
    : import("./cli.js");
loaded.then(
  (entry) =>
    entry.main(process.argv.slice(2)).then(
      (code) => {
        process.exitCode = code;
      },
      (err: unknown) => {
        // main redacts what it prints; this is the last resort when main itself failed
        process.stderr.write(`scope-watchdog: ${entry.redact(entry.errorMessage(err))}\n`);
        process.exitCode = 2;
      },
    ),
  (err: unknown) => {
    // the build itself is broken (a file missing from dist/): nothing of the watchdog ran, so no secret is known
    process.stderr.write(
      `scope-watchdog: cannot load the command: ${String((err as Error)?.message ?? err)}\n`,
    );
    process.exitCode = 2;
  },
);
