// The machine as `scope-watchdog service` sees it: files, /proc facts, and the programs it runs (systemctl,
// loginctl, schtasks.exe). One boundary, so tests can fake the facts of a platform and PATH decides the programs.

import { spawn } from "node:child_process";
import { constants } from "node:fs";
import { access, chmod, mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { findOnPath } from "../../sources/host/openclaw-install.js";
import { installedCliPath } from "./package.js";

export interface CommandResult {
  /** null when the program could not be started or was killed. */
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** Why it did not run (ENOENT, EACCES, timeout), when it did not. */
  error: string | null;
}

export interface ServiceHost {
  env: NodeJS.ProcessEnv;
  user: { name: string; uid: number; home: string };
  /** The Node executable the service should run. */
  execPath: string;
  /** The package's dist/cli/bin.js. */
  cliPath: string;
  /** A file's text, or null when it cannot be read (used for /proc and /run facts). */
  readText(file: string): Promise<string | null>;
  exists(file: string): Promise<boolean>;
  /** The executable `name` on the host's PATH, or null. */
  which(name: string): Promise<string | null>;
  run(file: string, args: readonly string[]): Promise<CommandResult>;
  /** Replaces a file atomically (temp file + rename) with the given mode, creating its folder. */
  writeFile(file: string, data: string | Buffer, mode: number): Promise<void>;
  /** Removes a file; false when there was none. */
  removeFile(file: string): Promise<boolean>;
}

const RUN_TIMEOUT_MS = 60_000;
const MAX_OUTPUT = 64 * 1024;

/** Runs a program without a shell, bounded in time and output; never throws. */
export function runCommand(
  file: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = RUN_TIMEOUT_MS,
): Promise<CommandResult> {
  return new Promise((resolve) => {
    let stdout = "";
    let stderr = "";
    let error: string | null = null;
    const child = spawn(file, [...args], { env, stdio: ["ignore", "pipe", "pipe"] });
    const timer = setTimeout(() => {
      error = `timed out after ${timeoutMs / 1000}s`;
      child.kill("SIGKILL");
    }, timeoutMs);
    child.stdout.on("data", (d: Buffer) => {
      if (stdout.length < MAX_OUTPUT) stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      if (stderr.length < MAX_OUTPUT) stderr += d.toString();
    });
    child.on("error", (err: NodeJS.ErrnoException) => {
      error = err.code ?? err.message;
    });
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ exitCode: error ? null : code, stdout, stderr, error });
    });
  });
}

/** The real machine, with `env` (PATH included) as given. */
export function createProcessHost(env: NodeJS.ProcessEnv = process.env): ServiceHost {
  const info = os.userInfo();
  return {
    env,
    user: { name: env.USER?.trim() || info.username, uid: info.uid, home: env.HOME?.trim() || info.homedir },
    execPath: process.execPath,
    cliPath: installedCliPath(),
    async readText(file) {
      try {
        return await readFile(file, "utf8");
      } catch {
        return null;
      }
    },
    async exists(file) {
      try {
        await access(file, constants.F_OK);
        return true;
      } catch {
        return false;
      }
    },
    which: (name) => findOnPath(name, env.PATH),
    run: (file, args) => runCommand(file, args, env),
    async writeFile(file, data, mode) {
      await mkdir(path.dirname(file), { recursive: true });
      const tmp = `${file}.${process.pid}.tmp`;
      await writeFile(tmp, data, { mode });
      await chmod(tmp, mode); // exact, whatever the umask
      await rename(tmp, file);
    },
    async removeFile(file) {
      try {
        await access(file, constants.F_OK);
      } catch {
        return false;
      }
      await rm(file, { force: true });
      return true;
    },
  };
}
