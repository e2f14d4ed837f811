// `scope-watchdog status [--json]`: asks the running daemon over its unix socket what it sees now. Exit 0 when it
// answered with nothing at warning or worse, 1 when it has open warning/critical incidents, 2 when none answers.

import { request } from "node:http";
import { resolveDataDir } from "../actions/state-store.js";
import { formatScopes } from "../common/scopes.js";
import type { Severity } from "../common/types.js";
import { loadConfig } from "../config/load.js";
import { STATUS_SCHEMA, type StatusReport } from "../daemon/status-report.js";
import { STATUS_PATH, statusSocketCandidates } from "../daemon/status-server.js";
import { EXIT, type Io, print, styleFor } from "./io.js";
import { type Style, wrapText } from "./style.js";

export interface StatusOptions {
  json?: boolean;
  /** Ask this socket only (default: status.socket, else the default locations). */
  socket?: string;
  config?: string;
}

export type StatusQuery =
  | { ok: true; report: StatusReport }
  | { ok: false; reason: "absent" | "stale" | "denied" | "timeout" | "invalid"; detail: string };

function isReport(v: unknown): v is StatusReport {
  if (v === null || typeof v !== "object") return false;
  const r = v as Record<string, unknown>;
  return (
    r.schema === STATUS_SCHEMA &&
    Array.isArray(r.incidents) &&
    typeof r.watchdog === "object" &&
    typeof r.sources === "object" &&
    typeof r.summary === "object"
  );
}

/** One GET /status over the socket; never throws. */
export function queryStatus(socketPath: string, timeoutMs = 5_000): Promise<StatusQuery> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: STATUS_PATH, method: "GET", timeout: timeoutMs }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body);
        } catch {
          resolve({ ok: false, reason: "invalid", detail: `answered HTTP ${res.statusCode} with non-JSON` });
          return;
        }
        if (res.statusCode === 200 && isReport(parsed)) resolve({ ok: true, report: parsed });
        else
          resolve({
            ok: false,
            reason: "invalid",
            detail: `answered HTTP ${res.statusCode}: ${body.slice(0, 200)}`,
          });
      });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, reason: "timeout", detail: `no answer within ${timeoutMs / 1000}s` });
    });
    req.on("error", (err: NodeJS.ErrnoException) => {
      if (err.code === "ENOENT") resolve({ ok: false, reason: "absent", detail: "no socket there" });
      else if (err.code === "ECONNREFUSED")
        resolve({ ok: false, reason: "stale", detail: "a socket nobody answers on (the daemon stopped)" });
      else if (err.code === "EACCES" || err.code === "EPERM")
        resolve({ ok: false, reason: "denied", detail: "permission denied (another user's daemon?)" });
      else resolve({ ok: false, reason: "invalid", detail: err.code ?? err.message });
    });
    req.end();
  });
}

const LABEL: Record<Severity, string> = { critical: "CRITICAL", warning: "WARNING ", info: "INFO    " };

function paint(style: Style, s: Severity): (t: string) => string {
  return s === "critical" ? style.red : s === "warning" ? style.yellow : style.cyan;
}

/** "3m ago" style age of an ISO time relative to the report's own time. */
function ago(iso: string | null, nowIso: string): string {
  if (!iso) return "never";
  const s = Math.max(0, Math.round((Date.parse(nowIso) - Date.parse(iso)) / 1000));
  return `${duration(s * 1000)} ago`;
}

function duration(ms: number): string {
  const s = Math.floor(ms / 1000);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86_400)}d ${Math.floor((s % 86_400) / 3600)}h`;
}

function clip(s: string, max: number): string {
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

function sourceLines(r: StatusReport, style: Style): string[] {
  const names = Object.keys(r.sources).sort();
  const width = Math.max(...names.map((n) => n.length), 6);
  return names.map((name) => {
    const s = r.sources[name];
    if (!s) return "";
    const state = s.healthy ? style.green("ok  ") : style.red("FAIL");
    const room = Math.max(20, style.width - width - 10);
    return `  ${name.padEnd(width)}  ${state}  ${style.dim(clip(s.detail, room))}`;
  });
}

/** Pure: the human report of `status` (colour and width from `style`). */
export function formatStatus(r: StatusReport, style: Style): string {
  const out: string[] = [];
  const w = r.watchdog;
  const mode = w.mode === "watching" ? style.green(w.mode) : style.yellow(w.mode);
  out.push(
    `${style.bold("scope-watchdog")} ${w.version}  ${mode}  ${style.dim(`up ${duration(w.uptimeMs)} · pid ${w.pid}`)}`,
  );
  if (w.waitingFor) out.push(`  waiting for ${w.waitingFor}`);
  const oc = r.openclaw;
  const states = r.instances ?? [{ profile: null, openclaw: oc, mode: w.mode }];
  for (const s of states)
    out.push(
      `${s.profile ? `${style.bold(`[${s.profile}]`)} ` : ""}${style.bold(s.openclaw.version ? `OpenClaw ${s.openclaw.version}` : "OpenClaw (version unknown)")}${s.openclaw.versionSource ? style.dim(` (from ${s.openclaw.versionSource})`) : ""}  ${style.dim(`state ${s.openclaw.stateDir ?? "(not found)"} (${s.openclaw.store ?? "unknown"})${r.instances ? ` · ${s.mode}` : ""}`)}`,
    );
  if (r.device) {
    const d = r.device;
    out.push(
      `Device ${d.deviceId.slice(0, 12)}…  ${style.dim("approved:")} ${d.paired ? formatScopes(d.approvedScopes) : "(not paired)"}  ${style.dim("token:")} ${formatScopes(d.tokenScopes)}  ${style.dim("needs:")} ${formatScopes(d.requiredScopes)}`,
    );
  } else {
    out.push(style.dim("No local device identity seen yet."));
  }
  out.push("", style.bold("Sources"), ...sourceLines(r, style));
  const last = r.lastEvaluation;
  out.push(
    style.dim(
      `  last evaluation ${last ? `${ago(last.at, r.generatedAt)} (${clip(last.trigger, 40)}, ${last.durationMs} ms)` : "none yet"} · last reconcile ${ago(r.lastReconcileAt, r.generatedAt)}`,
    ),
  );
  out.push("", style.bold(`Open incidents (${r.incidents.length})`));
  if (r.incidents.length === 0) out.push(`  ${style.dim("none")}`);
  for (const i of r.incidents) {
    out.push(
      `  ${style.bold(paint(style, i.severity)(LABEL[i.severity]))}  ${i.profile ? `[${i.profile}] ` : ""}${style.bold(i.code)}  ${style.dim(`since ${ago(i.openedAt, r.generatedAt)}${i.requestId ? ` · request ${i.requestId}` : ""}`)}`,
    );
    out.push(wrapText(i.message, style.width, "            "));
    if (i.fix) out.push(`            ${style.dim("Fix:")} ${style.bold(i.fix.command)}`);
  }
  if (r.recentEvents.length > 0) {
    out.push("", style.bold("Recent events"));
    for (const e of r.recentEvents.slice(-8))
      out.push(
        `  ${ago(e.at, r.generatedAt).padEnd(12)} ${e.type.padEnd(9)} ${e.code} ${style.dim(`(${e.severity})`)}`,
      );
  }
  if (r.lastActions && r.lastActions.length > 0) {
    out.push("", style.bold("Last actions"));
    for (const a of r.lastActions.slice(-8)) {
      const ok = /^(succeeded|sent|ok)$/.test(a.outcome) ? style.green(a.outcome) : style.yellow(a.outcome);
      const about = [a.channel, a.requestId ? `request ${a.requestId}` : undefined]
        .filter(Boolean)
        .join(" · ");
      out.push(
        `  ${ago(a.at, r.generatedAt).padEnd(12)} ${a.kind} ${a.action}  ${ok}${about ? style.dim(`  ${about}`) : ""}`,
      );
    }
  }
  const s = r.summary;
  const counts = `${s.critical} critical, ${s.warning} warning, ${s.info} info`;
  out.push(
    "",
    s.ok
      ? `${style.green(style.bold("Healthy."))} ${style.dim(counts)}`
      : `${style.red(style.bold("Not healthy:"))} ${counts}. \`scope-watchdog check\` explains each finding.`,
  );
  return out.join("\n");
}

/** Whether a report has an open incident at warning or worse (exit 1). */
export function reportHasProblems(r: StatusReport): boolean {
  return r.incidents.some((i) => i.severity === "warning" || i.severity === "critical");
}

/** Asks the daemon (configured socket, else the default locations in order) and prints its report. */
export async function runStatus(opts: StatusOptions, io: Io): Promise<number> {
  let candidates: string[];
  if (opts.socket) {
    candidates = statusSocketCandidates(opts.socket, io.env, "", io.home);
  } else {
    const loaded = await loadConfig({ flag: opts.config, env: io.env, home: io.home });
    const dataDir = resolveDataDir(loaded.config.dataDir, io.env, io.home);
    candidates = statusSocketCandidates(loaded.config.status.socket, io.env, dataDir, io.home);
  }
  const misses: string[] = [];
  for (const socket of candidates) {
    const q = await queryStatus(socket);
    if (q.ok) {
      if (opts.json) print(io.stdout, JSON.stringify(q.report, null, 2));
      else print(io.stdout, formatStatus(q.report, styleFor(io)));
      return reportHasProblems(q.report) ? EXIT.findings : EXIT.ok;
    }
    misses.push(`${socket}: ${q.detail}`);
  }
  print(
    io.stderr,
    [
      "scope-watchdog: no watchdog daemon answers.",
      ...misses.map((m, i) => `  ${i === 0 ? "looked at" : "         "} ${m}`),
      "  start it:  systemctl --user start openclaw-scope-watchdog   (set up with `scope-watchdog service install`)",
      "         or: scope-watchdog run",
    ].join("\n"),
  );
  return EXIT.failed;
}
