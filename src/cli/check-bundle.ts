// The entry `check` runs through: the same main, built by scripts/bundle.mjs into ONE CommonJS file
// (dist/cli/check-bundle.cjs) with everything `check` can reach but the config validation, so a one-shot `check`
// pays for one module instead of the ~25 chunks the split build shares between commands (about 30 ms of Node 20's
// ES module loader; bench/check.mjs).
export { errorMessage } from "../common/errors.js";
export { redact } from "../common/redact.js";
export { main } from "./main.js";
