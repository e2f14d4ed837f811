// Which OpenClaw is installed: the `openclaw` executable (configured or on PATH) and its version.

import { constants } from "node:fs";
import { access, readFile, realpath } from "node:fs/promises";
import path from "node:path";
import type { OpenClawInstall } from "../../common/types.js";

const VERSION_IN_TEXT = /\b(\d{4}\.\d{1,2}\.\d{1,3}(?:-[0-9A-Za-z.]+)?)\b/;

export async function isExecutable(file: string): Promise<boolean> {
  try {
    await access(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** The first executable named `name` on a PATH string. */
export async function findOnPath(name: string, pathEnv: string | undefined): Promise<string | null> {
  for (const dir of (pathEnv ?? "").split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (await isExecutable(candidate)) return candidate;
  }
  return null;
}

/** The version in the `openclaw` package.json that owns the resolved executable (npm's bin links point into it). */
export async function versionFromPackage(bin: string): Promise<string | null> {
  let dir: string;
  try {
    dir = path.dirname(await realpath(bin));
  } catch {
    return null;
  }
  for (let i = 0; i < 6; i++) {
    try {
      const pkg = JSON.parse(await readFile(path.join(dir, "package.json"), "utf8")) as {
        name?: unknown;
        version?: unknown;
      };
      if (pkg.name === "openclaw" && typeof pkg.version === "string") return pkg.version;
    } catch {
      // not here; keep walking up
    }
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return null;
}

const EXEC_MEMO_MS = 10 * 60_000;
const execMemo = new Map<string, { version: string | null; atMs: number }>();

/** `openclaw --version`, remembered for ten minutes per executable: it takes seconds. */
export async function versionFromCli(
  bin: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<string | null> {
  const memo = execMemo.get(bin);
  if (memo && Date.now() - memo.atMs < EXEC_MEMO_MS) return memo.version;
  // loaded only here: a one-shot `check` that finds the package.json never pays for child_process
  const { execFile } = await import("node:child_process");
  const version = await new Promise<string | null>((resolve) => {
    execFile(bin, ["--version"], { env, timeout: timeoutMs, maxBuffer: 64 * 1024 }, (_err, stdout) => {
      resolve(VERSION_IN_TEXT.exec(String(stdout))?.[1] ?? null);
    });
  });
  execMemo.set(bin, { version, atMs: Date.now() });
  return version;
}

export async function findOpenClaw(opts: {
  configuredBin: string | null;
  env: NodeJS.ProcessEnv;
  /** Running `openclaw --version` takes seconds; allowed only when the package.json route fails. */
  allowExec?: boolean;
  execTimeoutMs?: number;
}): Promise<OpenClawInstall> {
  const bin = opts.configuredBin ?? (await findOnPath("openclaw", opts.env.PATH));
  if (!bin) return { bin: null, version: null, via: null, problem: "no `openclaw` executable on PATH" };
  if (opts.configuredBin && !(await isExecutable(bin))) {
    return { bin, version: null, via: null, problem: `openclaw.bin ${bin} is not an executable file` };
  }
  const fromPkg = await versionFromPackage(bin);
  if (fromPkg) return { bin, version: fromPkg, via: "package.json", problem: null };
  if (opts.allowExec !== false) {
    const fromCli = await versionFromCli(bin, opts.env, opts.execTimeoutMs ?? 15_000);
    if (fromCli) return { bin, version: fromCli, via: "--version", problem: null };
  }
  return { bin, version: null, via: null, problem: `could not read the version of ${bin}` };
}
