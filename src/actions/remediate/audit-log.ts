// The remediation audit log, <dataDir>/audit.jsonl: one JSON object per line, appended before and after every
// decision and command, mode 0600, fsync'd per entry, scrubbed of secrets. Read back for the policy's bounds.

import { constants } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir } from "../../common/atomic-file.js";
import { redactSecrets } from "../../common/redact.js";
import type { Attempt, RemediationAction, RemediationHistory } from "../../policy/remediate.js";

export const AUDIT_FILE = "audit.jsonl";

export interface AuditOutcome {
  status: string;
  message: string;
  healed?: boolean;
  /** The request actually approved: after a churn or the CLI's own merge it differs from the decided one. */
  approvedRequestId?: string;
  /** What that request asked for (the CLI merges its default scopes into the device's request on 2026.4.x). */
  approvedScopes?: string[];
}

/** One line of the audit log. `attempt` joins the before/after pair of one executed decision. */
export interface AuditEntry {
  at: string;
  atMs: number;
  pass: string;
  phase: "before" | "after";
  kind: "decision" | "command";
  action: RemediationAction;
  attempt?: string;
  policy: string;
  dryRun: boolean;
  stateDir: string;
  deviceId?: string;
  requestId?: string;
  scopes?: string[];
  reasons?: string[];
  /** The command line run (kind "command"): argv only, which never holds a secret. */
  command?: string;
  result?: Record<string, unknown>;
  outcome?: AuditOutcome;
}

export interface AuditLog {
  readonly file: string;
  /** Appends one entry durably; rejects when it cannot, and then nothing may run. */
  append(entry: AuditEntry): Promise<void>;
  /** Entries at or after `sinceMs`, read from the end of the file (bounded). */
  readSince(sinceMs: number): Promise<AuditEntry[]>;
}

const TAIL_BYTES = 2 * 1024 * 1024;

async function appendLine(file: string, line: string): Promise<void> {
  await ensurePrivateDir(path.dirname(file));
  // O_NOFOLLOW: a symlink planted at the log's path is an error, not a redirect of our writes
  const h = await open(
    file,
    constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
    0o600,
  );
  try {
    const st = await h.stat();
    if (!st.isFile()) throw new Error(`${file} is not a regular file`);
    if ((st.mode & 0o777) !== 0o600) await h.chmod(0o600);
    await h.write(line);
    await h.sync();
  } finally {
    await h.close();
  }
}

async function readTail(file: string): Promise<string> {
  let h: Awaited<ReturnType<typeof open>>;
  try {
    h = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return ""; // no log yet (appending will say why it cannot)
    throw err;
  }
  try {
    const { size } = await h.stat();
    const start = Math.max(0, size - TAIL_BYTES);
    const buf = Buffer.alloc(size - start);
    await h.read(buf, 0, buf.length, start);
    const text = buf.toString("utf8");
    return start > 0 ? text.slice(text.indexOf("\n") + 1) : text;
  } finally {
    await h.close();
  }
}

function isEntry(v: unknown): v is AuditEntry {
  if (v === null || typeof v !== "object") return false;
  const e = v as Record<string, unknown>;
  return (
    typeof e.atMs === "number" &&
    (e.phase === "before" || e.phase === "after") &&
    typeof e.action === "string"
  );
}

/** The audit log at `file`; every line is scrubbed of `secrets()` and token-shaped strings before it is written. */
export function createAuditLog(file: string, secrets: () => readonly string[] = () => []): AuditLog {
  let queue: Promise<unknown> = Promise.resolve();
  return {
    file,
    append(entry) {
      const line = `${redactSecrets(JSON.stringify(entry), secrets())}\n`;
      const next = queue.then(() => appendLine(file, line));
      queue = next.catch(() => undefined);
      return next;
    },
    async readSince(sinceMs) {
      const text = await readTail(file);
      const out: AuditEntry[] = [];
      for (const line of text.split("\n")) {
        if (!line.trim()) continue;
        try {
          const v: unknown = JSON.parse(line);
          if (isEntry(v) && v.atMs >= sinceMs) out.push(v);
        } catch {
          // a torn last line after a crash: skip it
        }
      }
      return out;
    },
  };
}

/** The automatic attempts (not dry runs) in the audit entries, each with how it ended. Pure. */
export function historyFromAudit(entries: readonly AuditEntry[]): RemediationHistory {
  const after = new Map<string, AuditEntry>();
  for (const e of entries)
    if (e.kind === "decision" && e.phase === "after" && e.attempt) after.set(e.attempt, e);
  const attempts: Attempt[] = [];
  for (const e of entries) {
    if (e.kind !== "decision" || e.phase !== "before" || e.dryRun || !e.attempt || !e.deviceId) continue;
    if (e.action !== "approve" && e.action !== "request-repair") continue;
    const end = after.get(e.attempt)?.outcome;
    attempts.push({
      atMs: e.atMs,
      deviceId: e.deviceId,
      action: e.action,
      status: end?.status ?? null,
      healed: end?.healed === true,
    });
  }
  return { attempts };
}
