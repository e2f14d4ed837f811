// What bin.ts loads: the command line and the redaction that knows its secrets. scripts/bundle.mjs builds this one
// entry twice: as ONE CommonJS file for `check` (dist/cli/check-bundle.cjs, everything `check` can reach but the
// config validation, so a one-shot `check` pays for one module and no ES module loader; bench/check.mjs), and as
// the split ES module build every other command runs (dist/cli/cli.js, each command's code in a chunk loaded on
// demand).
export { redact } from "../common/redact.js";
export { main } from "./main.js";
