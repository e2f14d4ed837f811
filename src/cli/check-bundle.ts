// The entry `check` runs through: the same main, built by scripts/bundle.mjs into ONE file (dist/cli/check-bundle.js)
// with everything `check` can reach, so a one-shot `check` pays for one module instead of the ~25 chunks the split
// build shares between commands (about 30 ms of Node 20's ES module loader; bench/check.mjs).
export { main } from "./main.js";
