// Where this package is installed: its root and the built CLI entry a service runs.

import path from "node:path";
import { fileURLToPath } from "node:url";

/** The package root: three folders up from this module, in dist/actions/service and src/actions/service alike. */
export function packageRoot(moduleUrl: string = import.meta.url): string {
  return path.resolve(path.dirname(fileURLToPath(moduleUrl)), "..", "..", "..");
}

/** The built executable a service must run (dist/cli/bin.js), as an absolute path. */
export function installedCliPath(root: string = packageRoot()): string {
  return path.join(root, "dist", "cli", "bin.js");
}
