// `scope-watchdog fix`: one remediation pass under the configured policy; --dry-run decides and explains only.
// Exit 0: nothing needed doing, or everything was healed and verified; 1: something needs the user; 2: could not run.

import type { ProcessRunner } from "../actions/process-runner.js";
import type { DecisionResult } from "../actions/remediate/execute.js";
import { type PassReport, passExitCode, RemediationError } from "../actions/remediate/run.js";
import { resolveDataDir } from "../actions/state-store.js";
import { silentLogger } from "../common/log.js";
import { formatScopes } from "../common/scopes.js";
import { ConfigError, type LoadedConfig, loadConfig } from "../config/load.js";
import { instanceName } from "../config/openclaw-paths.js";
import { createDefaultDeps } from "../daemon/deps.js";
import { NoOpenClawStateError } from "../daemon/inspect.js";
import { createWatchdog } from "../daemon/watchdog.js";
import { EXIT, type Io, print, styleFor } from "./io.js";
import { type Style, wrapText } from "./style.js";

export interface FixOptions {
  dryRun?: boolean;
  json?: boolean;
  config?: string;
  stateDir?: string;
  profile?: string;
}

/** What tests (and the daemon-less CLI) may replace. */
export interface FixDeps {
  loadConfig?: (o: {
    flag: string | undefined;
    env: NodeJS.ProcessEnv;
    home: string;
  }) => Promise<LoadedConfig>;
  runner?: ProcessRunner;
  retryDelayMs?: number;
  killGraceMs?: number;
}

/** The `fix --json` contract (DESIGN §2), with a few keys around it. */
export function fixJson(report: PassReport) {
  return {
    policy: report.policy,
    dryRun: report.dryRun,
    decisions: report.decisions.map((d) => ({
      ...(d.requestId ? { requestId: d.requestId } : {}),
      action: d.action,
      reasons: d.reasons,
      ...(d.outcome ? { outcome: d.outcome } : {}),
      ...(d.deviceId ? { deviceId: d.deviceId } : {}),
      ...(d.scopes ? { scopes: d.scopes } : {}),
      ...(d.command ? { command: d.command } : {}),
    })),
  };
}

const LABEL: Record<DecisionResult["action"], string> = {
  approve: "APPROVE ",
  "request-repair": "RE-PAIR ",
  notify: "NOTIFY  ",
  skip: "SKIP    ",
};

function formatDecision(d: DecisionResult, style: Style): string {
  const healed = d.outcome?.healed === true;
  const status = d.outcome ? (healed ? style.green(d.outcome.status) : style.yellow(d.outcome.status)) : "";
  const head = `${style.bold(LABEL[d.action])}${d.requestId ? style.dim(`request ${d.requestId}  `) : ""}${status}`;
  const lines = [head, ...d.reasons.map((r) => wrapText(r, style.width, "  "))];
  if (d.outcome && d.outcome.message !== d.reasons[0])
    lines.push(wrapText(d.outcome.message, style.width, "    ", `  ${style.dim("Outcome:")} `));
  if (d.command && !healed) lines.push(`  ${style.dim("Run yourself:")} ${style.bold(d.command)}`);
  return lines.join("\n");
}

/** The human report of one pass. */
export function formatFix(report: PassReport, auditFile: string, style: Style): string {
  const i = report.inspection;
  const out = [
    `${style.bold(i.install.version ? `OpenClaw ${i.install.version}` : "OpenClaw (version unknown)")} ${style.dim(
      `· state ${i.location.stateDir} (${i.store}) · policy ${report.policy}${report.dryRun ? " · dry run, nothing changed" : ""}`,
    )}`,
  ];
  if (i.device)
    out.push(
      `This machine's device ${i.device.deviceId.slice(0, 12)}…  ${style.dim("approved:")} ${i.device.paired ? formatScopes(i.device.approvedScopes) : "(not paired)"}  ${style.dim("needs:")} ${formatScopes(i.requiredScopes)}`,
    );
  for (const d of report.decisions) out.push("", formatDecision(d, style));
  out.push("");
  const code = passExitCode(report);
  if (report.decisions.length === 0)
    out.push(style.green("Nothing to do: this machine's device holds what it needs."));
  else if (code === 0) out.push(style.green(style.bold("Healed and verified.")));
  else out.push(style.yellow(style.bold("Needs you: see the decisions above.")));
  out.push(style.dim(`Audit log: ${auditFile}`));
  return out.join("\n");
}

/** Runs one pass and prints it; resolves to the exit code. */
export async function runFix(opts: FixOptions, io: Io, deps: FixDeps = {}): Promise<number> {
  try {
    const loaded = await (deps.loadConfig ?? loadConfig)({ flag: opts.config, env: io.env, home: io.home });
    const dataDir = resolveDataDir(loaded.config.dataDir, io.env, io.home);
    const defaults = createDefaultDeps({
      config: loaded,
      configFlag: opts.config,
      env: io.env,
      home: io.home,
      logger: silentLogger,
      dataDir,
    });
    const watchdog = createWatchdog(loaded, {
      ...defaults,
      now: io.now,
      ...(deps.runner ? { runner: deps.runner } : {}),
    });
    // named on the command line: that state; else every state the config watches, one pass each
    const flagged = opts.stateDir !== undefined || opts.profile !== undefined;
    const targets = flagged
      ? [{ stateDirFlag: opts.stateDir, profileFlag: opts.profile }]
      : watchdog.targets();
    const reports: PassReport[] = [];
    for (const target of targets) {
      reports.push(
        await watchdog.fixOnce({
          ...target,
          ...(opts.dryRun ? { dryRun: true } : {}),
          ...(deps.retryDelayMs !== undefined ? { retryDelayMs: deps.retryDelayMs } : {}),
          ...(deps.killGraceMs !== undefined ? { killGraceMs: deps.killGraceMs } : {}),
        }),
      );
    }
    const named = reports.map((r) => ({ profile: instanceName(r.inspection.location), report: r }));
    if (opts.json) {
      const [first] = named;
      const out =
        named.length === 1 || !first
          ? fixJson(reports[0] as PassReport)
          : {
              ...fixJson(first.report),
              decisions: named.flatMap((n) =>
                fixJson(n.report).decisions.map((d) => ({ ...d, profile: n.profile })),
              ),
              profiles: named.map((n) => ({
                profile: n.profile,
                stateDir: n.report.inspection.location.stateDir,
                ...fixJson(n.report),
              })),
            };
      print(io.stdout, JSON.stringify(out, null, 2));
    } else {
      const style = styleFor(io);
      const audit = `${dataDir}/audit.jsonl`;
      print(
        io.stdout,
        named
          .map((n) =>
            named.length === 1
              ? formatFix(n.report, audit, style)
              : `${style.bold(`── profile ${n.profile} ──`)}\n${formatFix(n.report, audit, style)}`,
          )
          .join("\n\n"),
      );
    }
    return Math.max(...reports.map(passExitCode));
  } catch (err) {
    if (
      err instanceof ConfigError ||
      err instanceof NoOpenClawStateError ||
      err instanceof RemediationError
    ) {
      print(io.stderr, `scope-watchdog: ${err.message}`);
      return EXIT.failed;
    }
    throw err;
  }
}
