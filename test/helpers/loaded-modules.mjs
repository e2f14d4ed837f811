// Preloaded into a child process with `node --import <this file>`: when the process exits, writes the paths of the
// CommonJS modules it loaded (require.cache, which also holds CommonJS packages loaded with import()) as JSON to
// $LOADED_MODULES_FILE.
import { writeFileSync } from "node:fs";
import { createRequire } from "node:module";

const require = createRequire(import.meta.url);
const file = process.env.LOADED_MODULES_FILE;
if (file) process.on("exit", () => writeFileSync(file, JSON.stringify(Object.keys(require.cache))));
