// Runs the BUILT watchdog (package.json bin) against a test's gateway, and types its `check --json` output.
import { existsSync, mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseJsonOutput } from "./devices.js";
import { expectNoSecrets, knownSecrets } from "./fixture.js";
import type { Gateway } from "./gateway.js";
import { nodeBin, nodeBinDir, usesSqliteStore, watchdogEntry } from "./paths.js";
import { type RunResult, runCommand } from "./run.js";

export interface RunWatchdogOptions {
  /** The per-test folder: HOME, TMPDIR and XDG_* point inside it unless `env` overrides them. */
  dir: string;
  env?: NodeJS.ProcessEnv;
  /** The Node binary (default: this machine's Node, process.execPath). */
  node?: string;
  timeoutMs?: number;
}

/** The environment the watchdog runs with: HOME, TMPDIR and XDG_* inside `dir`, nothing inherited but `env`. */
export function watchdogEnv(options: RunWatchdogOptions): NodeJS.ProcessEnv {
  const home = path.join(options.dir, "home");
  const env: NodeJS.ProcessEnv = {
    PATH: `${path.dirname(options.node ?? process.execPath)}:/usr/bin:/bin`,
    HOME: home,
    TMPDIR: path.join(options.dir, "tmp"),
    XDG_CONFIG_HOME: path.join(home, ".config"),
    XDG_CACHE_HOME: path.join(home, ".cache"),
    XDG_DATA_HOME: path.join(home, ".local", "share"),
    XDG_STATE_HOME: path.join(home, ".local", "state"),
    XDG_RUNTIME_DIR: path.join(options.dir, "run"),
    LANG: "C.UTF-8",
    NO_COLOR: "1",
    ...options.env,
  };
  for (const dir of [env.HOME, env.TMPDIR, env.XDG_RUNTIME_DIR]) {
    if (dir) mkdirSync(dir, { recursive: true, mode: 0o700 });
  }
  return env;
}

/** The built entry point (package.json bin), or an error saying to build first. */
export function builtEntry(): string {
  const entry = watchdogEntry();
  if (!existsSync(entry))
    throw new Error(`${entry} is missing: run \`npm run build\` (npm run test:e2e does)`);
  return entry;
}

/** `node <package.json bin> <args>` (what `scope-watchdog` runs) with HOME and XDG_* inside `dir`; nothing inherited but what `env` gives. */
export async function runWatchdog(args: readonly string[], options: RunWatchdogOptions): Promise<RunResult> {
  const entry = builtEntry();
  return runCommand(options.node ?? process.execPath, [entry, ...args], {
    env: watchdogEnv(options),
    cwd: options.dir,
    timeoutMs: options.timeoutMs ?? 60_000,
  });
}

export interface WatchdogSetup {
  /** `--config` file: {"openclaw": {"stateDir", "bin"}}. */
  configFile: string;
  /** `<dir>/bin/openclaw`, a symlink to this version's openclaw.mjs (what a global npm install looks like). */
  openclawBin: string;
  /** Node 24 for SQLite releases (node:sqlite), this machine's Node otherwise. */
  node: string;
  env: NodeJS.ProcessEnv;
}

/** Write the watchdog config and the `openclaw` symlink for `gateway` into its test folder (idempotent). */
export function prepareWatchdog(gateway: Gateway): WatchdogSetup {
  const binDir = path.join(gateway.dir, "bin");
  const openclawBin = path.join(binDir, "openclaw");
  mkdirSync(binDir, { recursive: true });
  if (!existsSync(openclawBin)) symlinkSync(gateway.openclawEntry, openclawBin);
  const configFile = path.join(gateway.dir, "watchdog", "config.json");
  mkdirSync(path.dirname(configFile), { recursive: true });
  writeFileSync(
    configFile,
    `${JSON.stringify({ openclaw: { stateDir: gateway.stateDir, bin: openclawBin } }, null, 2)}\n`,
    { mode: 0o600 },
  );
  const node = usesSqliteStore(gateway.version) ? nodeBin() : process.execPath;
  // the gateway's offline env (HOME, guard preload, guard log) with the symlink and Node 24 first on PATH, so an
  // `openclaw` the watchdog runs is the test's version under a Node that can run it
  const env = gateway.env({ PATH: `${binDir}:${nodeBinDir()}:/usr/bin:/bin` });
  return { configFile, openclawBin, node, env };
}

export type Severity = "info" | "warning" | "critical";

export interface Finding {
  code: string;
  severity: Severity;
  message: string;
  deviceId?: string;
  requestId?: string;
  scopes?: string[];
  fix?: { command: string; explanation: string };
}

export interface CheckReport {
  ok: boolean;
  openclaw: { version: string; stateDir: string; store: "files" | "sqlite" | "unknown" };
  device: { deviceId: string; approvedScopes: string[]; tokenScopes: string[] } | null;
  findings: Finding[];
}

export interface CheckRun {
  result: RunResult;
  /** The parsed `--json` object. */
  report: CheckReport;
}

/** `scope-watchdog <args>` set up for `gateway` (see prepareWatchdog); pass `--config setup.configFile` yourself. */
export function runWatchdogFor(
  gateway: Gateway,
  args: readonly string[],
  options: { env?: NodeJS.ProcessEnv; timeoutMs?: number } = {},
): Promise<RunResult> {
  const setup = prepareWatchdog(gateway);
  return runWatchdog(args, {
    dir: gateway.dir,
    env: { ...setup.env, ...options.env },
    node: setup.node,
    timeoutMs: options.timeoutMs,
  });
}

/** `scope-watchdog check --json --state-dir <stateDir> --config <file>` against `gateway`; fails on a secret or no report. */
export async function checkGateway(gateway: Gateway, extraArgs: readonly string[] = []): Promise<CheckRun> {
  const { configFile } = prepareWatchdog(gateway);
  const result = await runWatchdogFor(gateway, [
    "check",
    "--json",
    "--state-dir",
    gateway.stateDir,
    "--config",
    configFile,
    ...extraArgs,
  ]);
  // every check run: no secret in what it printed, and a report of the contract's shape
  const output = `${result.stdout}\n${result.stderr}`;
  expectNoSecrets(output, knownSecrets(gateway));
  const report = toCheckReport(result.stdout);
  if (!report)
    throw new Error(`check --json printed no report (exit ${result.code}): ${output.slice(0, 2000)}`);
  return { result, report };
}

/**
 * `check --json` the way a service runs it: a config naming only the state dir (no `openclaw.bin`), PATH without
 * any `openclaw` (Node 24 and the system dirs only), so the watchdog finds the version and store on its own.
 */
export async function checkAsService(gateway: Gateway): Promise<CheckRun> {
  const configFile = path.join(gateway.dir, "watchdog", "service.json");
  mkdirSync(path.dirname(configFile), { recursive: true });
  writeFileSync(configFile, `${JSON.stringify({ openclaw: { stateDir: gateway.stateDir } }, null, 2)}\n`, {
    mode: 0o600,
  });
  const env = gateway.env({ PATH: `${nodeBinDir()}:/usr/bin:/bin` });
  const result = await runWatchdog(["check", "--json", "--config", configFile], {
    dir: gateway.dir,
    env,
    node: nodeBin(),
  });
  const output = `${result.stdout}\n${result.stderr}`;
  expectNoSecrets(output, knownSecrets(gateway));
  const report = toCheckReport(result.stdout);
  if (!report)
    throw new Error(
      `check --json (service) printed no report (exit ${result.code}): ${output.slice(0, 2000)}`,
    );
  return { result, report };
}

/** The `check --json` object if stdout holds one with the contract's top-level shape, else null. */
function toCheckReport(stdout: string): CheckReport | null {
  let value: unknown;
  try {
    value = parseJsonOutput(stdout);
  } catch {
    return null;
  }
  const shaped =
    typeof value === "object" &&
    value !== null &&
    "ok" in value &&
    "openclaw" in value &&
    "device" in value &&
    "findings" in value &&
    Array.isArray(value.findings);
  return shaped ? (value as CheckReport) : null;
}

/** Findings of severity warning or worse (what makes `check` exit 1). */
export function problems(report: CheckReport): Finding[] {
  return report.findings.filter((f) => f.severity === "warning" || f.severity === "critical");
}
