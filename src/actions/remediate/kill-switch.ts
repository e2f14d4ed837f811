// The kill switch: while its file exists, the watchdog approves and requests nothing. Fail closed: it is off
// only when the file is provably absent (lstat says ENOENT); a file it cannot examine (EACCES, ELOOP, …) keeps
// it on. The watchdog engages it itself, with a JSON reason, when an approval does not verify; such a file is
// a remediation-halted finding, while a file the user created (empty, or any other content) only stops healing.

import { constants } from "node:fs";
import { lstat, mkdir, open } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../../common/atomic-file.js";
import { cleanText } from "../../common/clean-text.js";
import type { RemediationHalt } from "../../common/types.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";

/** The kill switch's name in the data dir when remediation.killSwitchFile is null. */
export const KILL_SWITCH_FILE = "disable-remediation";
/** Marks a kill switch the watchdog engaged itself. */
const ENGAGED_BY = "openclaw-scope-watchdog";
/** How much of a kill-switch file is read for its reason. */
const MAX_READ_BYTES = 64 * 1024;
const MAX_REASON_CHARS = 2_000;

export interface KillSwitchState {
  file: string;
  active: boolean;
  /** Set when the watchdog engaged it itself (with why). */
  halt: RemediationHalt | null;
  /** Why it counts as on although it may not exist (the file could not be examined). */
  problem: string | null;
}

/** Where the kill switch is for this config and data dir. */
export function killSwitchPath(cfg: Pick<RemediationConfig, "killSwitchFile">, dataDir: string): string {
  return cfg.killSwitchFile ?? path.join(dataDir, KILL_SWITCH_FILE);
}

async function readHalt(file: string): Promise<RemediationHalt | null> {
  const h = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  try {
    const buf = Buffer.alloc(MAX_READ_BYTES);
    const { bytesRead } = await h.read(buf, 0, buf.length, 0);
    const v: unknown = JSON.parse(buf.subarray(0, bytesRead).toString("utf8"));
    if (v === null || typeof v !== "object") return null;
    const o = v as Record<string, unknown>;
    if (o.by !== ENGAGED_BY || typeof o.reason !== "string") return null;
    return {
      file,
      reason: cleanText(o.reason, MAX_REASON_CHARS),
      atMs: typeof o.atMs === "number" && Number.isFinite(o.atMs) ? o.atMs : null,
    };
  } catch {
    return null; // not the watchdog's JSON: a kill switch the user made
  } finally {
    await h.close();
  }
}

/** The kill switch now: one lstat, and a small read only when the file exists. */
export async function readKillSwitch(file: string): Promise<KillSwitchState> {
  let st: Awaited<ReturnType<typeof lstat>>;
  try {
    st = await lstat(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    if (code === "ENOENT") return { file, active: false, halt: null, problem: null };
    return { file, active: true, halt: null, problem: `cannot be examined (${code})` };
  }
  const halt = st.isFile() ? await readHalt(file).catch(() => null) : null;
  return { file, active: true, halt, problem: null };
}

export interface HaltRecord {
  reason: string;
  atMs: number;
  pass: string;
  /** Each difference found, one line each. */
  details: string[];
}

/**
 * Engages the kill switch with the watchdog's reason (mode 0600, atomically). The folder is created when
 * missing but never re-moded: a configured killSwitchFile may sit in a folder of the user's.
 */
export async function engageKillSwitch(file: string, halt: HaltRecord): Promise<void> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const body = {
    by: ENGAGED_BY,
    engagedAt: new Date(halt.atMs).toISOString(),
    atMs: halt.atMs,
    pass: halt.pass,
    reason: halt.reason,
    details: halt.details,
    remove: "Delete this file to let the watchdog heal again, once you have checked the pairing state.",
  };
  await writeFileAtomic(file, `${JSON.stringify(body, null, 2)}\n`, { privateDir: false });
}
