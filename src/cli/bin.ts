#!/usr/bin/env node
// Entry point of the `scope-watchdog` executable.

import module from "node:module";

// Node 22.1+ keeps compiled code between runs (a no-op where unsupported): `check` starts about a third faster.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

// Nothing else is imported statically here: this file is the entry of the split build, and `check` must load
// nothing of it but this file.
// `check` is the one-shot command people and scripts run most: it loads its single-file build (check-bundle.ts)
const { main } = process.argv[2] === "check" ? await import("./check-bundle.js") : await import("./main.js");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // main redacts what it prints; this is the last resort when main itself failed
    const [{ redact }, { errorMessage }] = await Promise.all([
      import("../common/redact.js"),
      import("../common/errors.js"),
    ]);
    process.stderr.write(`scope-watchdog: ${redact(errorMessage(err))}\n`);
    process.exitCode = 2;
  },
);
