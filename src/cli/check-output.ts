// `scope-watchdog check`: the --json contract and the human report.

import { formatScopes } from "../common/scopes.js";
import type { Finding, Severity } from "../common/types.js";
import { isHealthy } from "../detect/findings.js";
import type { Inspection } from "../detect/inspection.js";
import { type Style, wrapText } from "./style.js";

export interface CheckJson {
  ok: boolean;
  openclaw: {
    version: string | null;
    stateDir: string;
    store: "files" | "sqlite" | "unknown";
    bin: string | null;
    configPath: string;
    /** PRAGMA user_version of state/openclaw.sqlite, when there is one (15+ is the 2026.8+ pairing store). */
    schemaVersion: number | null;
    /** Which source told the version: openclaw.bin, PATH, lastTouchedVersion, gateway hello-ok, gateway service,
     * gateway process, global install or openclaw --version; null when none did. */
    versionSource: string | null;
    /** Every source that answered, in the order asked (they disagree after an upgrade without a restart). */
    versionsSeen: { source: string; version: string; from: string | null; running: boolean }[];
  };
  gateway: { port: number; bind: string; authMode: string | null };
  requiredScopes: string[];
  device: { deviceId: string; approvedScopes: string[]; tokenScopes: string[]; paired: boolean } | null;
  findings: Finding[];
}

export function checkJson(i: Inspection): CheckJson {
  return {
    ok: isHealthy(i.findings),
    openclaw: {
      version: i.install.version,
      stateDir: i.location.stateDir,
      store: i.store,
      bin: i.install.bin,
      configPath: i.location.configPath,
      schemaVersion: i.snapshot.sqlite?.userVersion ?? null,
      versionSource: i.install.versionSource ?? null,
      versionsSeen: i.install.versionsSeen ?? [],
    },
    gateway: { port: i.gateway.port, bind: i.gateway.bind, authMode: i.gateway.authMode },
    requiredScopes: i.requiredScopes,
    device: i.device
      ? {
          deviceId: i.device.deviceId,
          approvedScopes: i.device.approvedScopes,
          tokenScopes: i.device.tokenScopes,
          paired: i.device.paired,
        }
      : null,
    findings: i.findings,
  };
}

const LABEL: Record<Severity, string> = { critical: "CRITICAL", warning: "WARNING ", info: "INFO    " };

function severityColour(style: Style, s: Severity): (t: string) => string {
  return s === "critical" ? style.red : s === "warning" ? style.yellow : style.cyan;
}

/** One finding as a block of text; a fix already shown above (same command) is referred to, not repeated. */
export function formatFinding(f: Finding, style: Style, shownFixes: Set<string> = new Set()): string {
  const head = `${style.bold(severityColour(style, f.severity)(LABEL[f.severity]))}  ${style.bold(f.code)}${f.requestId ? style.dim(`  request ${f.requestId}`) : ""}`;
  const w = style.width;
  const parts = [head, wrapText(f.message, w, "  ")];
  if (f.impact) parts.push(wrapText(f.impact, w, "  ", `  ${style.dim("Why it matters:")} `));
  if (f.fix && shownFixes.has(f.fix.command)) {
    parts.push(`  ${style.dim("Fix:")} ${style.bold(f.fix.command)} ${style.dim("(the same fix as above)")}`);
  } else if (f.fix) {
    shownFixes.add(f.fix.command);
    parts.push(`  ${style.dim("Fix:")} ${style.bold(f.fix.command)}`);
    parts.push(wrapText(f.fix.explanation, w, "       "));
    if (f.fix.durable) parts.push(wrapText(f.fix.durable, w, "       ", `  ${style.dim("Lasting fix:")} `));
  }
  return parts.join("\n");
}

export function formatCheck(i: Inspection, style: Style): string {
  const out: string[] = [];
  const version = i.install.version
    ? `OpenClaw ${i.install.version}${i.install.versionSource ? ` (from ${i.install.versionSource})` : ""}`
    : "OpenClaw (version unknown)";
  out.push(
    `${style.bold(version)} ${style.dim(`· state ${i.location.stateDir} (${i.store}${i.snapshot.sqlite?.userVersion != null ? `, state/openclaw.sqlite schema ${i.snapshot.sqlite.userVersion}` : ""}) · gateway 127.0.0.1:${i.gateway.port}${i.gateway.authMode ? ` (${i.gateway.authMode} auth)` : ""}`)}`,
  );
  if (i.device) {
    out.push(
      `This machine's device ${i.device.deviceId.slice(0, 12)}…  ${style.dim("approved:")} ${i.device.paired ? formatScopes(i.device.approvedScopes) : "(not paired)"}  ${style.dim("token:")} ${formatScopes(i.device.tokenScopes)}  ${style.dim("needs:")} ${formatScopes(i.requiredScopes)}`,
    );
  } else {
    out.push(style.dim("No local device identity yet."));
  }
  const shownFixes = new Set<string>();
  for (const f of i.findings) out.push("", formatFinding(f, style, shownFixes));
  const count = (s: Severity) => i.findings.filter((f) => f.severity === s).length;
  const summary = `${count("critical")} critical, ${count("warning")} warning, ${count("info")} info`;
  out.push("");
  if (isHealthy(i.findings)) {
    out.push(`${style.green(style.bold("Healthy."))} ${style.dim(summary)}`);
  } else {
    out.push(
      `${style.red(style.bold("Not healthy:"))} ${summary}. Run the fix commands above, then \`scope-watchdog check\` again.`,
    );
  }
  return out.join("\n");
}
