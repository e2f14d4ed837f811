// Runs a short-lived command in its own process group with a timeout, and collects its output.
import { spawn } from "node:child_process";
import { stopProcessTree } from "./process-tree.js";

export interface RunResult {
  /** Exit code, or null when the process was ended by a signal. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  durationMs: number;
}

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  cwd?: string;
  timeoutMs?: number;
  /** Written to stdin, which is then closed. */
  input?: string;
}

const DEFAULT_TIMEOUT_MS = 60_000;
/** How long to wait for stdout/stderr to drain after exit (a grandchild may hold the pipes open). */
const DRAIN_MS = 2_000;

/** Spawn `command args` (never put secrets in `args`: they are visible in /proc to every user). */
export function runCommand(
  command: string,
  args: readonly string[],
  options: RunOptions,
): Promise<RunResult> {
  const started = Date.now();
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: options.env,
      cwd: options.cwd,
      detached: true,
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    let timedOut = false;
    let settled = false;
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.on("error", () => {
      // the command may exit before reading its input
    });
    child.stdin.end(options.input ?? "");
    const timer = setTimeout(() => {
      timedOut = true;
      if (child.pid !== undefined) void stopProcessTree(child.pid, 3_000);
    }, timeoutMs);
    const finish = (code: number | null, signal: NodeJS.Signals | null): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr, timedOut, durationMs: Date.now() - started });
    };
    child.on("error", (error) => {
      clearTimeout(timer);
      if (!settled) {
        settled = true;
        reject(new Error(`could not run ${command}: ${error.message}`));
      }
    });
    child.on("exit", (code, signal) => {
      const drain = setTimeout(() => finish(code, signal), DRAIN_MS);
      child.on("close", () => {
        clearTimeout(drain);
        finish(code, signal);
      });
    });
  });
}
