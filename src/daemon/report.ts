// What the daemon writes about itself: incident log lines, a content digest of the pairing state, source health.

import { createHash } from "node:crypto";
import type { Logger } from "../common/log.js";
import type { Inspection } from "../detect/inspection.js";
import type { IncidentEvent } from "../policy/incidents.js";
import type { LogTailLike } from "./ports.js";

/** A digest of the pairing state that ignores what OpenClaw rewrites on every token use (lastUsedAtMs). */
export function stateDigest(i: Inspection): string {
  const s = i.snapshot;
  const stable = {
    store: s.store,
    identity: s.identity && {
      id: s.identity.deviceId,
      key: s.identity.publicKey,
      stored: s.identity.storedDeviceId,
    },
    deviceAuth: s.deviceAuth && {
      id: s.deviceAuth.deviceId,
      tokens: s.deviceAuth.tokens.map((t) => [t.role, t.scopes]),
    },
    paired: s.paired.map((d) => ({
      ...d,
      tokens: d.tokens.map((t) => ({ ...t, lastUsedAtMs: undefined, updatedAtMs: undefined })),
    })),
    pending: s.pending,
    legacy: s.legacyDeviceAuthFile,
    problems: s.problems,
    version: i.install.version,
    autoApprove: i.gateway.autoApproveLocal,
  };
  return createHash("sha256").update(JSON.stringify(stable)).digest("hex");
}

export function logHealth(stats: ReturnType<LogTailLike["stats"]>): { healthy: boolean; detail: string } {
  if (stats.waiting) return { healthy: true, detail: "waiting for the gateway log to appear" };
  const skipped = Object.values(stats.skipped).reduce((a, b) => a + b, 0);
  return {
    healthy: true,
    detail: `following ${stats.file ?? "?"}${skipped ? ` (${skipped} lines skipped)` : ""}`,
  };
}

/** One log line per incident transition; every line about a finding carries its `code`. */
export function logIncidentEvent(log: Logger, e: IncidentEvent, trigger: string, latencyMs: number): void {
  const f = e.incident.finding;
  const fields = {
    code: f.code,
    severity: f.severity,
    stateDir: f.stateDir,
    deviceId: f.deviceId,
    requestId: f.requestId,
    scopes: f.scopes,
    fix: f.fix?.command,
    trigger,
    latencyMs,
  };
  switch (e.type) {
    case "opened":
      log[f.severity === "info" ? "info" : f.severity === "warning" ? "warn" : "error"](fields, f.message);
      return;
    case "escalated":
      log.error({ ...fields, from: e.from }, `escalated: ${f.message}`);
      return;
    case "eased":
      log.info({ ...fields, from: e.from }, `eased: ${f.message}`);
      return;
    case "resolved":
      log.info(
        {
          code: f.code,
          stateDir: f.stateDir,
          deviceId: f.deviceId,
          openForMs: e.atMs - e.incident.openedAtMs,
        },
        `resolved: ${f.code}`,
      );
      return;
  }
}
