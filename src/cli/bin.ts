#!/usr/bin/env node
// Entry point of the `scope-watchdog` executable.

import module from "node:module";
import { errorMessage } from "../common/errors.js";

// Node 22.1+ keeps compiled code between runs (a no-op where unsupported): `check` starts about a third faster.
(module as { enableCompileCache?: () => unknown }).enableCompileCache?.();

const { main } = await import("./main.js");
main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  async (err: unknown) => {
    // main redacts what it prints; this is the last resort when main itself failed
    const { redact } = await import("../common/redact.js");
    process.stderr.write(`scope-watchdog: ${redact(errorMessage(err))}\n`);
    process.exitCode = 2;
  },
);
