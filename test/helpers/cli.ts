// Runs the built `scope-watchdog` executable as a real child process.

import { type ChildProcess, spawn } from "node:child_process";
import path from "node:path";
import { onTestFinished } from "vitest";

export const CLI = path.resolve(import.meta.dirname, "..", "..", "dist", "cli", "bin.js");

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface CliOptions {
  env?: NodeJS.ProcessEnv;
  /** The Node binary to run it with (default: this one). */
  node?: string;
  uid?: number;
  gid?: number;
  timeoutMs?: number;
}

export function runCli(args: string[], opts: CliOptions = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(opts.node ?? process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH, NO_COLOR: "1", ...opts.env },
      stdio: ["ignore", "pipe", "pipe"],
      ...(opts.uid === undefined ? {} : { uid: opts.uid, gid: opts.gid ?? opts.uid }),
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on("data", (d: Buffer) => {
      stderr += d.toString();
    });
    const timer = setTimeout(() => child.kill("SIGKILL"), opts.timeoutMs ?? 15_000);
    child.on("error", reject);
    child.on("close", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Starts `scope-watchdog run --config <config>` as systemd would, with HOME and the XDG folders below `root`;
 * killed after the test if it still runs. `output()` is what it wrote to stdout and stderr so far.
 */
export function spawnRun(
  root: string,
  config: string,
  opts: { nodeArgs?: string[]; env?: NodeJS.ProcessEnv } = {},
): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, [...(opts.nodeArgs ?? []), CLI, "run", "--config", config], {
    env: {
      PATH: process.env.PATH,
      HOME: path.join(root, "home"),
      XDG_STATE_HOME: path.join(root, "state"),
      XDG_RUNTIME_DIR: path.join(root, "run"),
      ...opts.env,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  onTestFinished(() => {
    if (child.exitCode === null) child.kill("SIGKILL");
  });
  let out = "";
  const append = (d: Buffer) => {
    out += d.toString();
  };
  child.stdout?.on("data", append);
  child.stderr?.on("data", append);
  return { child, output: () => out };
}
