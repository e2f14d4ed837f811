// Child processes as the watchdog runs them: no shell, a hard timeout with SIGTERM then SIGKILL escalation to the
// whole process group, bounded output capture, and a result value instead of an exception.

import { spawn } from "node:child_process";

export interface RunOptions {
  env: NodeJS.ProcessEnv;
  timeoutMs: number;
  /** Time between SIGTERM and SIGKILL. */
  killGraceMs?: number;
  /** Per stream; the rest is counted and dropped. */
  maxOutputBytes?: number;
  signal?: AbortSignal;
}

/** What a finished (or killed) child did; `error` is set when it could not be started at all. */
export interface RunResult {
  exitCode: number | null;
  signal: NodeJS.Signals | null;
  timedOut: boolean;
  aborted: boolean;
  /** The strongest signal we had to send (null when it ended on its own). */
  killedWith: "SIGTERM" | "SIGKILL" | null;
  durationMs: number;
  stdout: string;
  stderr: string;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  error: string | null;
}

/** The process port: the interpreter and the tests depend on this, not on node:child_process. */
export interface ProcessRunner {
  run(file: string, args: readonly string[], opts: RunOptions): Promise<RunResult>;
}

const DEFAULT_KILL_GRACE_MS = 3_000;
const DEFAULT_MAX_OUTPUT = 1024 * 1024;
/** How long to wait for stdout/stderr to close after the child exited (a grandchild may hold them). */
const DRAIN_AFTER_EXIT_MS = 500;

class Capture {
  private chunks: Buffer[] = [];
  private size = 0;
  truncated = false;
  constructor(private readonly max: number) {}
  push(b: Buffer): void {
    const room = this.max - this.size;
    if (room <= 0) {
      this.truncated = true;
      return;
    }
    const part = b.length > room ? b.subarray(0, room) : b;
    if (part.length < b.length) this.truncated = true;
    this.chunks.push(part);
    this.size += part.length;
  }
  text(): string {
    return Buffer.concat(this.chunks).toString("utf8");
  }
}

/** Signals the child's whole process group (it is started detached), falling back to the child alone. */
function killGroup(pid: number | undefined, sig: NodeJS.Signals): void {
  if (pid === undefined) return;
  try {
    process.kill(-pid, sig);
  } catch {
    try {
      process.kill(pid, sig);
    } catch {
      // already gone
    }
  }
}

/** Real child processes: execFile-style (no shell), own process group, timeout then SIGTERM, then SIGKILL. */
export function createProcessRunner(): ProcessRunner {
  return {
    run(file, args, opts) {
      const started = Date.now();
      const out = new Capture(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
      const err = new Capture(opts.maxOutputBytes ?? DEFAULT_MAX_OUTPUT);
      return new Promise<RunResult>((resolve) => {
        let timedOut = false;
        let aborted = false;
        let killedWith: RunResult["killedWith"] = null;
        let exit: { code: number | null; signal: NodeJS.Signals | null } | null = null;
        let done = false;
        const timers: NodeJS.Timeout[] = [];
        const child = spawn(file, [...args], {
          env: opts.env,
          shell: false,
          detached: true,
          stdio: ["ignore", "pipe", "pipe"],
          windowsHide: true,
        });
        const finish = (error: string | null) => {
          if (done) return;
          done = true;
          for (const t of timers) clearTimeout(t);
          opts.signal?.removeEventListener("abort", onAbort);
          child.stdout?.destroy();
          child.stderr?.destroy();
          resolve({
            exitCode: exit?.code ?? null,
            signal: exit?.signal ?? null,
            timedOut,
            aborted,
            killedWith,
            durationMs: Date.now() - started,
            stdout: out.text(),
            stderr: err.text(),
            stdoutTruncated: out.truncated,
            stderrTruncated: err.truncated,
            error,
          });
        };
        const terminate = () => {
          if (exit) return;
          killedWith = "SIGTERM";
          killGroup(child.pid, "SIGTERM");
          const t = setTimeout(() => {
            if (exit) return;
            killedWith = "SIGKILL";
            killGroup(child.pid, "SIGKILL");
          }, opts.killGraceMs ?? DEFAULT_KILL_GRACE_MS);
          t.unref();
          timers.push(t);
        };
        const onAbort = () => {
          aborted = true;
          terminate();
        };
        child.stdout?.on("data", (b: Buffer) => out.push(b));
        child.stderr?.on("data", (b: Buffer) => err.push(b));
        child.on("error", (e) => {
          if (child.pid === undefined) finish(`${file} could not be started: ${e.message}`);
        });
        child.on("exit", (code, signal) => {
          exit = { code, signal };
          // a grandchild that inherited the pipes must not keep us waiting
          const t = setTimeout(() => finish(null), DRAIN_AFTER_EXIT_MS);
          t.unref();
          timers.push(t);
        });
        child.on("close", () => {
          if (exit) finish(null);
        });
        const t = setTimeout(() => {
          timedOut = true;
          terminate();
        }, opts.timeoutMs);
        timers.push(t);
        if (opts.signal?.aborted) onAbort();
        else opts.signal?.addEventListener("abort", onAbort, { once: true });
      });
    },
  };
}
