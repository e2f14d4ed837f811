// The remediation audit log, <dataDir>/audit.jsonl: one JSON object per line, appended before and after every
// decision that runs something and every command, once for a decision that runs nothing; mode 0600, fsync'd
// per entry. Every entry is cleaned (control and bidi characters out, texts and lists capped) and scrubbed of
// secrets before it is written, and the file is rotated by size (audit.jsonl.1 … .3). It is a record for
// people: the bounds come from the remediation ledger (ledger.ts), so nothing here can wash them out.

import { constants } from "node:fs";
import { lstat, open, rename } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, syncDir } from "../../common/atomic-file.js";
import { cleanValue } from "../../common/clean-text.js";
import { redact } from "../../common/redact.js";
import type { RemediationAction } from "../../policy/remediate.js";

export const AUDIT_FILE = "audit.jsonl";
/** Rotate once the next entry would take audit.jsonl past this size. */
export const AUDIT_MAX_BYTES = 5 * 1024 * 1024;
/** How many rotated files are kept (audit.jsonl.1 newest … .3 oldest). */
export const AUDIT_KEEP = 3;
/** The longest text and the longest list an entry keeps (request fields come from whoever asked to pair). */
export const AUDIT_TEXT_LIMITS = { maxChars: 1_000, maxItems: 50 } as const;

export interface AuditOutcome {
  status: string;
  message: string;
  healed?: boolean;
  /** The request actually approved: after a churn or the CLI's own merge it differs from the decided one. */
  approvedRequestId?: string;
  /** What that request asked for (the CLI merges its default scopes into the device's request on 2026.4.x). */
  approvedScopes?: string[];
}

/**
 * One line of the audit log. `attempt` joins the before/after pair of one executed decision. `decided` is the
 * one entry of a decision that runs nothing (notify, skip, a dry run), with its outcome.
 */
export interface AuditEntry {
  at: string;
  atMs: number;
  pass: string;
  phase: "before" | "after" | "decided";
  kind: "decision" | "command";
  action: RemediationAction;
  attempt?: string;
  policy: string;
  dryRun: boolean;
  stateDir: string;
  /** Who decided: "user" for an approve a person clicked in a notification; absent for the watchdog's own. */
  by?: "user";
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
  /** Rejects when the log exists but is not a regular file (a planted symlink): then nothing may run. */
  check(): Promise<void>;
  /** Appends one entry durably; rejects when it cannot, and then nothing may run. */
  append(entry: AuditEntry): Promise<void>;
}

export interface AuditLogOptions {
  /** Values scrubbed from every entry (the gateway token), besides anything token-shaped. */
  secrets?: () => readonly string[];
  maxBytes?: number;
  keep?: number;
}

/** The log's size when it is a regular file, 0 when it is absent (appending says why it cannot be created). */
async function currentSize(file: string): Promise<number> {
  try {
    const st = await lstat(file);
    if (!st.isFile())
      throw new Error(`${file} is not a regular file; the watchdog writes its audit log only there`);
    return st.size;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return 0;
    throw err;
  }
}

/** audit.jsonl -> .1 -> .2 … -> .keep (the oldest is dropped by the last rename). */
async function rotate(file: string, keep: number): Promise<void> {
  for (let i = keep; i >= 1; i--) {
    const from = i === 1 ? file : `${file}.${i - 1}`;
    await rename(from, `${file}.${i}`).catch((err: NodeJS.ErrnoException) => {
      if (err.code !== "ENOENT") throw err;
    });
  }
  await syncDir(path.dirname(file));
}

async function appendLine(file: string, line: string, maxBytes: number, keep: number): Promise<void> {
  await ensurePrivateDir(path.dirname(file));
  const size = await currentSize(file);
  if (size > 0 && size + Buffer.byteLength(line) > maxBytes) await rotate(file, keep);
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

/** The audit log at `file`. */
export function createAuditLog(file: string, o: AuditLogOptions = {}): AuditLog {
  const secrets = o.secrets ?? (() => []);
  const maxBytes = o.maxBytes ?? AUDIT_MAX_BYTES;
  const keep = Math.max(1, o.keep ?? AUDIT_KEEP);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    file,
    async check() {
      await currentSize(file);
    },
    append(entry) {
      const line = `${redact(JSON.stringify(cleanValue(entry, AUDIT_TEXT_LIMITS)), { extra: secrets(), shapes: true })}\n`;
      const next = queue.then(() => appendLine(file, line, maxBytes, keep));
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
