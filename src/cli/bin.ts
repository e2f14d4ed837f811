#!/usr/bin/env node
// Entry point of the `scope-watchdog` executable.

import { main } from "./main.js";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`scope-watchdog: ${String(err)}\n`);
    process.exitCode = 2;
  },
);
