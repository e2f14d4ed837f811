// Where this package is installed: its root and the built CLI entry a service runs.

import { readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

const PACKAGE_NAME = "openclaw-scope-watchdog";

function isPackageRoot(dir: string): boolean {
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(dir, "package.json"), "utf8"));
    return typeof pkg === "object" && pkg !== null && Reflect.get(pkg, "name") === PACKAGE_NAME;
  } catch {
    return false;
  }
}

/** The package root: the nearest folder above this module with the package's package.json (src, dist or a bundle). */
export function packageRoot(moduleUrl: string = import.meta.url): string {
  let dir = path.dirname(fileURLToPath(moduleUrl));
  for (;;) {
    if (isPackageRoot(dir)) return dir;
    const up = path.dirname(dir);
    if (up === dir)
      throw new Error(`cannot find the ${PACKAGE_NAME} package above ${fileURLToPath(moduleUrl)}`);
    dir = up;
  }
}

/** The built executable a service must run (dist/cli/bin.js), as an absolute path. */
export function installedCliPath(root: string = packageRoot()): string {
  return path.join(root, "dist", "cli", "bin.js");
}
