// The entry every command but `check` runs through (dist/cli/cli.js, loaded by bin.ts): the split ES module build,
// each command's own code in a chunk loaded on demand.
export { errorMessage } from "../common/errors.js";
export { redact } from "../common/redact.js";
export { main } from "./main.js";
