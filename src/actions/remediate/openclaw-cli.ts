// The `openclaw devices …` commands the healing runs, through the process runner: the child's environment (same
// state dir and config as inspected, local fallback kept possible), and their output read into result values.
// Tokens never go into argv.

import { excerpt } from "../../common/redact.js";
import type { Secret } from "../../common/secret.js";
import type { PendingRequest } from "../../common/types.js";
import { SAFE_REQUEST_ID } from "../../detect/guards.js";
import { MAX_RECORDS, parsePendingRequest } from "../../sources/state/records.js";
import type { ProcessRunner, RunResult } from "../process-runner.js";

export interface CliOptions {
  /** The `openclaw` executable. */
  bin: string;
  runner: ProcessRunner;
  /** The watchdog's environment; the child gets a copy with the changes below. */
  env: NodeJS.ProcessEnv;
  /** The state directory and openclaw.json the watchdog inspected, so the CLI acts on the same ones. */
  stateDir: string;
  configPath: string;
  /** The gateway port the watchdog resolved from the environment or profile (OPENCLAW_GATEWAY_PORT), if any. */
  gatewayPort?: number | null;
  timeoutMs: number;
  killGraceMs?: number;
  /**
   * Passed as OPENCLAW_GATEWAY_TOKEN in the child's environment, only for setups where the CLI cannot read the
   * token from openclaw.json itself. Never put on the command line, where `ps` shows it to every user.
   */
  gatewayToken?: Secret;
  signal?: AbortSignal;
}

/**
 * The child's environment: the same state dir and config as inspected; OPENCLAW_GATEWAY_URL removed so the
 * CLI's URL source is "local loopback", the condition for 2026.4.x's local-file fallback when its own connect
 * is refused with pairing required (devices-cli.ts shouldUseLocalPairingFallback); no colour in the output.
 */
export function cliEnv(
  o: Pick<CliOptions, "env" | "stateDir" | "configPath" | "gatewayToken" | "gatewayPort">,
): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...o.env };
  delete env.OPENCLAW_GATEWAY_URL;
  env.OPENCLAW_STATE_DIR = o.stateDir;
  env.OPENCLAW_CONFIG_PATH = o.configPath;
  // the dev profile implies port 19001 (applyCliProfileEnv); the state dir set above bypasses the profile
  if (o.gatewayPort && !env.OPENCLAW_GATEWAY_PORT) env.OPENCLAW_GATEWAY_PORT = String(o.gatewayPort);
  env.NO_COLOR = "1";
  delete env.FORCE_COLOR;
  if (o.gatewayToken) env.OPENCLAW_GATEWAY_TOKEN = o.gatewayToken.reveal();
  return env;
}

/** `gateway connect failed: …` on stderr: the CLI's own connect was refused and it fell back to the files. */
const CONNECT_FAILED = /gateway connect failed:/i;
const UNKNOWN_REQUEST = /unknown requestId/i;

export interface ListResult {
  ok: boolean;
  pending: PendingRequest[];
  /** The CLI could not connect itself and read the local files instead (2026.4.x fallback). */
  fallback: boolean;
  run: RunResult;
  problem: string | null;
}

export type ApproveStatus =
  /** Exit 0 with the approve result. */
  | "approved"
  /** The request id no longer exists (superseded by a reconnect, expired, or approved elsewhere). */
  | "unknown-request"
  /** It printed success but did not exit in time, and was killed: check the state to know. */
  | "maybe-approved"
  /** Killed at the timeout without printing a result. */
  | "timeout"
  | "failed";

export interface ApproveResult {
  status: ApproveStatus;
  requestId: string;
  fallback: boolean;
  run: RunResult;
  problem: string | null;
}

export interface OpenClawCli {
  readonly bin: string;
  list(): Promise<ListResult>;
  approve(requestId: string): Promise<ApproveResult>;
}

function parseJsonObject(text: string): Record<string, unknown> | null {
  const start = text.indexOf("{");
  if (start < 0) return null;
  try {
    const v: unknown = JSON.parse(text.slice(start));
    return v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/**
 * What `openclaw devices list --json` printed (after any warnings): its pending requests (at most MAX_RECORDS,
 * each checked and cleaned like a record of pending.json; bad ones left out), or why the output is not that.
 */
export function parseListOutput(
  stdout: string,
): { ok: true; pending: PendingRequest[] } | { ok: false; problem: string } {
  const json = parseJsonObject(stdout);
  if (!json || !Array.isArray(json.pending))
    return { ok: false, problem: "the output is not the expected JSON" };
  const pending: PendingRequest[] = [];
  for (const p of json.pending.slice(0, MAX_RECORDS)) {
    const parsed = parsePendingRequest(p);
    if (parsed.ok) pending.push(parsed.value);
  }
  return { ok: true, pending };
}

function failureText(run: RunResult): string {
  if (run.error) return run.error;
  if (run.timedOut) return `no answer within the timeout; stopped with ${run.killedWith ?? "SIGTERM"}`;
  if (run.aborted) return `stopped with ${run.killedWith ?? "SIGTERM"} because the watchdog is stopping`;
  // 2026.4.x: "[openclaw] Failed to start CLI: Error: gateway closed (1006 …)" followed by hints and a stack
  const lines = run.stderr.split("\n").map((l) => l.trim());
  const crash = lines.find((l) => l.includes("Failed to start CLI:"));
  const last = lines.filter((l) => l && !l.startsWith("at ")).at(-1);
  const why = crash ? crash.slice(crash.indexOf("Failed to start CLI:") + 20).trim() : last;
  return `exit ${run.exitCode ?? run.signal ?? "?"}${why ? `: ${why}` : ""}`;
}

function notRun(error: string): RunResult {
  return {
    exitCode: null,
    signal: null,
    timedOut: false,
    aborted: false,
    killedWith: null,
    durationMs: 0,
    stdout: "",
    stderr: "",
    stdoutTruncated: false,
    stderrTruncated: false,
    error,
  };
}

/** `openclaw devices list --json` and `openclaw devices approve <id> --json`, as result values. */
export function createOpenClawCli(o: CliOptions): OpenClawCli {
  const run = (args: string[]) =>
    o.runner.run(o.bin, args, {
      env: cliEnv(o),
      timeoutMs: o.timeoutMs,
      ...(o.killGraceMs !== undefined ? { killGraceMs: o.killGraceMs } : {}),
      ...(o.signal ? { signal: o.signal } : {}),
    });
  const secrets = () => (o.gatewayToken ? [o.gatewayToken.reveal()] : []);
  return {
    bin: o.bin,
    async list() {
      const r = await run(["devices", "list", "--json"]);
      const fallback = CONNECT_FAILED.test(r.stderr);
      if (r.exitCode !== 0 || r.timedOut)
        return { ok: false, pending: [], fallback, run: r, problem: excerpt(failureText(r), secrets()) };
      const parsed = parseListOutput(r.stdout);
      return parsed.ok
        ? { ok: true, pending: parsed.pending, fallback, run: r, problem: null }
        : { ok: false, pending: [], fallback, run: r, problem: parsed.problem };
    },
    async approve(requestId) {
      if (!SAFE_REQUEST_ID.test(requestId)) {
        // the policy refuses such ids already; this keeps one from ever reaching argv as an option
        const r = notRun("refused to pass an unsafe request id to the command line");
        return { status: "failed", requestId, fallback: false, run: r, problem: r.error };
      }
      const r = await run(["devices", "approve", requestId, "--json"]);
      const fallback = CONNECT_FAILED.test(r.stderr);
      const base = { requestId, fallback, run: r };
      const printed = parseJsonObject(r.stdout);
      const printedSuccess =
        (printed !== null && printed.requestId === requestId) || /(^|\n)\s*Approved\b/.test(r.stdout);
      if (r.timedOut || r.aborted)
        return printedSuccess
          ? { ...base, status: "maybe-approved", problem: "printed its result, then hung; killed it" }
          : { ...base, status: "timeout", problem: excerpt(failureText(r), secrets()) };
      if (r.exitCode === 0 && printedSuccess) return { ...base, status: "approved", problem: null };
      if (UNKNOWN_REQUEST.test(r.stderr) || UNKNOWN_REQUEST.test(r.stdout))
        return { ...base, status: "unknown-request", problem: "unknown requestId" };
      return { ...base, status: "failed", problem: excerpt(failureText(r), secrets()) };
    },
  };
}
