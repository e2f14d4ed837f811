// Which gateway log file(s) to follow, resolved as OpenClaw does (src/logging/log-file-path.ts, logger.ts,
// src/infra/tmp-openclaw-dir.ts in 2026.4.20 and 2026.9.6). Looks at the file system, never changes it.

import { createHash } from "node:crypto";
import { accessSync, constants, lstatSync } from "node:fs";
import path from "node:path";
import { resolveOpenClawHome } from "../../config/openclaw-paths.js";

export const POSIX_OPENCLAW_TMP_DIR = "/tmp/openclaw";

/** Where the path came from, for `status` and error messages. */
export type LogLocationSource = "config openclaw.logFile" | "logging.file" | "default";

export interface LogLocationInput {
  /** The watchdog's `openclaw.logFile`; a `YYYY-MM-DD` placeholder or a dated name follows the daily files. */
  configuredLogFile: string | null;
  /** `logging.file` from openclaw.json. */
  openclawLoggingFile: string | null;
  /** The gateway's profile; null: OPENCLAW_PROFILE from env. */
  profile: string | null;
  /** The gateway's environment (OPENCLAW_PROFILE, OPENCLAW_HOME, HOME, TZ). */
  env: NodeJS.ProcessEnv;
  /** For `file`: which day is today. */
  now: number | Date;
  /** The gateway's os.tmpdir(), where the fallback `openclaw-<uid>` lives. */
  tmpdir: string;
  /** The gateway user's uid; null where there is none (Windows). */
  uid: number | null;
  /** The gateway's OpenClaw version ("2026.4.20"); decides the two rules below. null: the newest behaviour. */
  openclawVersion?: string | null;
  /** Profile-qualified daily names (`openclaw-<profile>-…`, openclaw#112777). Default: version >= 2026.8.1. */
  profileInFileName?: boolean;
  /**
   * Whether the gateway reads `logging.file`. Up to 2026.4.24 the npm build cannot load its config from the
   * logger (`require("../config/config.js")` fails), so it always logs to the default daily file.
   * Default: version >= 2026.4.25.
   */
  honorsLoggingFile?: boolean;
  /** Tests only point this elsewhere; OpenClaw hard-codes /tmp/openclaw. */
  preferredTmpDir?: string;
  /** Relative paths in the configs resolve against this. */
  cwd?: string;
}

export interface LogLocation {
  /** The directory holding the file and its family (watch this one). */
  dir: string;
  /** The file being written today. */
  file: string;
  /** The file OpenClaw writes on the given day (the same file every day when it is not a daily file). */
  fileFor(date: number | Date): string;
  /** Daily files (`…-YYYY-MM-DD.log`), or one fixed file. */
  rolling: boolean;
  /** Whether a bare file name is one of the followed files: this profile's daily files and their `.N` archives. */
  isFamilyName(name: string): boolean;
  /** Sorts family names oldest first (earlier day, then `.5` … `.1`, then the active file); others sort last. */
  compareAge(a: string, b: string): number;
  source: LogLocationSource;
  /** How the directory was chosen, in one sentence. */
  why: string;
}

const LEGACY_ROLLING_RE = /^openclaw-(?:YYYY-MM-DD|\d{4}-\d{2}-\d{2})\.log$/u;
const ANY_ROLLING_RE = /^(.+)-(?:YYYY-MM-DD|\d{4}-\d{2}-\d{2})\.log$/u;
const MAX_PROFILE_SEGMENT_LENGTH = 220;

/** OpenClaw's reversible file-name escape for a profile name (encodeLogProfileSegment, 9.6). */
export function encodeLogProfileSegment(profile: string): string {
  let encoded = "";
  for (const char of profile) {
    if (/^[a-z0-9]$/u.test(char)) encoded += char;
    else if (char === "-") encoded += "--";
    else if (char === "_") encoded += "-0";
    else if (/^[A-Z]$/u.test(char)) encoded += `-1${char.toLowerCase()}`;
    else encoded += `-2${char.codePointAt(0)?.toString(16) ?? "0"}-`;
  }
  return encoded;
}

/** The profile part of daily file names, or null for the default profile (resolveLogProfileSegment, 9.6). */
export function logProfileSegment(profile: string | null | undefined): string | null {
  const p = profile?.trim();
  if (!p || p.toLowerCase() === "default") return null;
  const encoded = encodeLogProfileSegment(p);
  if (encoded.length <= MAX_PROFILE_SEGMENT_LENGTH) return encoded;
  return `-3${createHash("sha256").update(p).digest("hex")}`;
}

function validTimeZone(tz: string | undefined): string | undefined {
  if (!tz) return undefined;
  try {
    new Intl.DateTimeFormat("en", { timeZone: tz }).format();
    return tz;
  } catch {
    return undefined;
  }
}

/** YYYY-MM-DD on the gateway host's local calendar (formatLocalDate), in env.TZ when it names a zone. */
export function formatLogDate(date: number | Date, timeZone?: string): string {
  const d = typeof date === "number" ? new Date(date) : date;
  if (!timeZone) {
    return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
  }
  const parts = new Intl.DateTimeFormat("en", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(d);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}`;
}

interface TmpDirChoice {
  dir: string;
  why: string;
}

/** resolvePreferredOpenClawTmpDir without its side effects: where the gateway logs when logging.file is unset. */
export function resolveOpenClawTmpDir(preferred: string, tmpdir: string, uid: number | null): TmpDirChoice {
  const fallback = path.join(tmpdir, uid === null ? "openclaw" : `openclaw-${uid}`);
  const access = constants.W_OK | constants.X_OK;
  let st: ReturnType<typeof lstatSync>;
  try {
    st = lstatSync(preferred);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") {
      return { dir: fallback, why: `${preferred} cannot be inspected, so OpenClaw logs under ${fallback}` };
    }
    try {
      accessSync(path.dirname(preferred), access);
      return {
        dir: preferred,
        why: `${preferred} does not exist yet; the gateway creates it (mode 0700) when it starts`,
      };
    } catch {
      return {
        dir: fallback,
        why: `${path.dirname(preferred)} is not writable, so OpenClaw logs under ${fallback}`,
      };
    }
  }
  if (st.isSymbolicLink())
    return { dir: fallback, why: `${preferred} is a symlink, so OpenClaw logs under ${fallback}` };
  if (!st.isDirectory()) {
    return { dir: fallback, why: `${preferred} is not a directory, so OpenClaw logs under ${fallback}` };
  }
  if (uid !== null && st.uid !== uid) {
    return {
      dir: fallback,
      why: `${preferred} belongs to uid ${st.uid}, not the gateway's uid ${uid}, so OpenClaw logs under ${fallback}`,
    };
  }
  if ((st.mode & 0o022) !== 0) {
    // both 4.20 (tryRepairWritableBits) and 9.6 (repairSecureTempDirectory) chmod their own dir to 0700 and keep it
    return {
      dir: preferred,
      why: `${preferred} is group/world-writable; the gateway (same owner) tightens it to 0700 at start and keeps using it`,
    };
  }
  try {
    accessSync(preferred, access);
  } catch {
    return { dir: fallback, why: `${preferred} is not writable, so OpenClaw logs under ${fallback}` };
  }
  return { dir: preferred, why: `${preferred} is OpenClaw's default log directory` };
}

/** 2026.4.25: logging.file honoured, size rotation to `.1` … `.5` (checked in the npm builds of 4.24 and 4.25). */
const LOGGING_FILE_SINCE: readonly [number, number, number] = [2026, 4, 25];
/** 2026.8.1: `openclaw-<profile>-YYYY-MM-DD.log` (checked in the npm builds of 7.35 and 8.1). */
const PROFILE_NAMES_SINCE: readonly [number, number, number] = [2026, 8, 1];

/** True when `version` is at least `since`; unknown or unparsable versions count as new. */
function atLeast(version: string | null | undefined, since: readonly [number, number, number]): boolean {
  const m = /^v?(\d+)\.(\d+)\.(\d+)/.exec(version?.trim() ?? "");
  if (!m) return true;
  const v = [Number(m[1]), Number(m[2]), Number(m[3])];
  for (let i = 0; i < 3; i++) {
    const d = (v[i] ?? 0) - (since[i] ?? 0);
    if (d !== 0) return d > 0;
  }
  return true;
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

interface Family {
  isFamilyName(name: string): boolean;
  /** [day, archive] with archive 0 for the active file; null when not in the family. */
  key(name: string): [string, number] | null;
}

function rollingFamily(prefix: string): Family {
  const re = new RegExp(`^${escapeRe(prefix)}-(\\d{4}-\\d{2}-\\d{2})(?:\\.(\\d+))?\\.log$`, "u");
  const key = (name: string): [string, number] | null => {
    const m = re.exec(name);
    return m ? [m[1] ?? "", m[2] ? Number(m[2]) : 0] : null;
  };
  return { isFamilyName: (name) => re.test(name), key };
}

/** 9.6 rotates `<stem><ext>` to `<stem>.1<ext>` … `.5` (rotatedLogPath). */
function fixedFamily(base: string): Family {
  const ext = path.extname(base);
  const stem = base.slice(0, base.length - ext.length);
  const re = new RegExp(`^${escapeRe(stem)}\\.(\\d+)${escapeRe(ext)}$`, "u");
  const key = (name: string): [string, number] | null => {
    if (name === base) return ["", 0];
    const m = re.exec(name);
    return m ? ["", Number(m[1])] : null;
  };
  return { isFamilyName: (name) => key(name) !== null, key };
}

function compareWith(family: Family): (a: string, b: string) => number {
  return (a, b) => {
    const ka = family.key(a);
    const kb = family.key(b);
    if (!ka || !kb) return ka ? -1 : kb ? 1 : a.localeCompare(b);
    if (ka[0] !== kb[0]) return ka[0] < kb[0] ? -1 : 1;
    // the active file (0) is the newest of its day; a higher archive number is older
    const ra = ka[1] === 0 ? Number.POSITIVE_INFINITY : -ka[1];
    const rb = kb[1] === 0 ? Number.POSITIVE_INFINITY : -kb[1];
    return ra === rb ? 0 : ra < rb ? -1 : 1;
  };
}

/** Decides the log directory, today's file and tomorrow's naming rule, mirroring the gateway. */
export function resolveLogLocation(input: LogLocationInput): LogLocation {
  const home = resolveOpenClawHome(input.env);
  const cwd = input.cwd ?? process.cwd();
  const timeZone = validTimeZone(input.env.TZ);
  const expand = (p: string) => path.resolve(cwd, p.replace(/^~(?=$|[\\/])/, home));

  let source: LogLocationSource;
  let dir: string;
  let why: string;
  let prefix: string | null = null;
  let fixed: string | null = null;

  const configured = input.configuredLogFile?.trim() || null;
  const honorsLoggingFile = input.honorsLoggingFile ?? atLeast(input.openclawVersion, LOGGING_FILE_SINCE);
  const profileNames = input.profileInFileName ?? atLeast(input.openclawVersion, PROFILE_NAMES_SINCE);
  const ignoredLoggingFile = honorsLoggingFile ? null : input.openclawLoggingFile?.trim() || null;
  const fromOpenClaw = honorsLoggingFile ? input.openclawLoggingFile?.trim() || null : null;
  if (configured) {
    source = "config openclaw.logFile";
    const file = expand(configured);
    dir = path.dirname(file);
    const m = ANY_ROLLING_RE.exec(path.basename(file));
    if (m) prefix = m[1] ?? "openclaw";
    else fixed = path.basename(file);
    why = `openclaw.logFile in the watchdog config names ${file}`;
  } else if (fromOpenClaw) {
    source = "logging.file";
    const file = expand(fromOpenClaw);
    dir = path.dirname(file);
    // 9.6 keeps the daily rollover only for the legacy default shape (isLegacyRollingLogFilePath)
    if (LEGACY_ROLLING_RE.test(path.basename(file))) prefix = "openclaw";
    else fixed = path.basename(file);
    why = `logging.file in openclaw.json names ${file}`;
  } else {
    source = "default";
    const choice = resolveOpenClawTmpDir(
      input.preferredTmpDir ?? POSIX_OPENCLAW_TMP_DIR,
      input.tmpdir,
      input.uid,
    );
    dir = choice.dir;
    why = ignoredLoggingFile
      ? `${choice.why} (OpenClaw ${input.openclawVersion} ignores logging.file ${ignoredLoggingFile})`
      : choice.why;
    const segment = profileNames ? logProfileSegment(input.profile ?? input.env.OPENCLAW_PROFILE) : null;
    prefix = segment ? `openclaw-${segment}` : "openclaw";
  }

  const family = prefix !== null ? rollingFamily(prefix) : fixedFamily(fixed ?? "openclaw.log");
  const fileFor = (date: number | Date): string =>
    prefix !== null
      ? path.join(dir, `${prefix}-${formatLogDate(date, timeZone)}.log`)
      : path.join(dir, fixed ?? "");
  return {
    dir,
    file: fileFor(input.now),
    fileFor,
    rolling: prefix !== null,
    isFamilyName: family.isFamilyName,
    compareAge: compareWith(family),
    source,
    why,
  };
}
