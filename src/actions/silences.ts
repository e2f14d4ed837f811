// Muted finding codes (`scope-watchdog silence CODE --for 2h`): silences.json in the data dir, written
// atomically with mode 0600, read by the daemon before each notification decision (a stat when unchanged).

import { readFile, stat } from "node:fs/promises";
import path from "node:path";
import { writeFileAtomic } from "../common/atomic-file.js";
import { errorMessage, jsonErrorWhere } from "../common/errors.js";
import { FINDING_CODES, type FindingCode } from "../common/finding-codes.js";
import type { Logger } from "../common/log.js";
import * as z from "../common/zod.js";
import type { Silence } from "../policy/notify.js";

export const SILENCES_FILE = "silences.json";

export interface StoredSilence extends Silence {
  code: FindingCode;
  createdAtMs: number;
}

const fileSchema = z.object({
  version: z.literal(1),
  silences: z.array(
    z.object({
      code: z.enum(FINDING_CODES),
      untilMs: z.number(),
      createdAtMs: z.number(),
    }),
  ),
});

/** Where the silences live: <dataDir>/silences.json. */
export function silencesPath(dataDir: string): string {
  return path.join(dataDir, SILENCES_FILE);
}

export type SilencesRead = { ok: true; silences: StoredSilence[] } | { ok: false; problem: string };

/** Reads silences.json: a missing file is no silences; an unreadable one is reported, never thrown. */
export async function readSilences(dataDir: string): Promise<SilencesRead> {
  const file = silencesPath(dataDir);
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return { ok: true, silences: [] };
    return { ok: false, problem: `cannot read ${file}: ${errorMessage(err)}` };
  }
  try {
    const parsed = fileSchema.safeParse(JSON.parse(text));
    if (parsed.success) return { ok: true, silences: parsed.data.silences };
    return {
      ok: false,
      problem: `${file} is not a silences file (${parsed.error.issues[0]?.message ?? "?"})`,
    };
  } catch (err) {
    return { ok: false, problem: `${file} is not valid JSON: ${jsonErrorWhere(err)}` };
  }
}

async function writeSilences(dataDir: string, silences: readonly StoredSilence[]): Promise<void> {
  const body = { version: 1, silences: [...silences].sort((a, b) => a.code.localeCompare(b.code)) };
  await writeFileAtomic(silencesPath(dataDir), `${JSON.stringify(body, null, 2)}\n`);
}

async function activeOrFail(dataDir: string, nowMs: number): Promise<StoredSilence[]> {
  const read = await readSilences(dataDir);
  if (!read.ok) throw new Error(`${read.problem}; fix or delete it, then try again`);
  return read.silences.filter((s) => s.untilMs > nowMs);
}

/** Mutes `code` until nowMs + forMs (replacing an earlier silence of the code); drops expired ones. */
export async function addSilence(
  dataDir: string,
  code: FindingCode,
  forMs: number,
  nowMs: number,
): Promise<StoredSilence> {
  const kept = (await activeOrFail(dataDir, nowMs)).filter((s) => s.code !== code);
  const silence: StoredSilence = { code, untilMs: nowMs + forMs, createdAtMs: nowMs };
  await writeSilences(dataDir, [...kept, silence]);
  return silence;
}

/** Unmutes `code`; resolves to whether it was muted. */
export async function clearSilence(dataDir: string, code: FindingCode, nowMs: number): Promise<boolean> {
  const active = await activeOrFail(dataDir, nowMs);
  const kept = active.filter((s) => s.code !== code);
  await writeSilences(dataDir, kept);
  return kept.length !== active.length;
}

/** The silences in force at nowMs, soonest to end first. */
export async function listSilences(dataDir: string, nowMs: number): Promise<StoredSilence[]> {
  return (await activeOrFail(dataDir, nowMs)).sort((a, b) => a.untilMs - b.untilMs);
}

export interface SilenceReader {
  /** The silences now; re-parses the file only when it changed, and reports a bad file once. */
  read(): Promise<readonly Silence[]>;
}

/** A cheap reader for the daemon: one stat per decision while the file is unchanged. */
export function createSilenceReader(dataDir: string, logger: Logger): SilenceReader {
  const file = silencesPath(dataDir);
  let cached: { sig: string; silences: readonly Silence[] } | null = null;
  let reported: string | null = null;
  return {
    async read() {
      let sig: string;
      try {
        const st = await stat(file);
        sig = `${st.ino}:${st.size}:${st.mtimeMs}`;
      } catch {
        cached = null;
        return [];
      }
      if (cached?.sig === sig) return cached.silences;
      const r = await readSilences(dataDir);
      if (!r.ok) {
        if (reported !== r.problem) logger.warn({ file }, `silences ignored: ${r.problem}`);
        reported = r.problem;
        cached = { sig, silences: [] };
        return [];
      }
      reported = null;
      cached = { sig, silences: r.silences };
      return r.silences;
    },
  };
}
