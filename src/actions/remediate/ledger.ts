// The remediation ledger, <dataDir>/remediation-ledger.json: the automatic attempts the bounds need (rate
// limit, backoff, regression window), per OpenClaw state dir, in a small file of its own, so no flood of other
// entries can wash them out of the audit log (issue 11). Written atomically (0600) under a short lock, since
// watchdogs on other state dirs may share the data dir; pruned to what the bounds look at and capped. A ledger
// that exists but cannot be read or parsed is never "no history": the pass then does nothing automatically.

import { constants } from "node:fs";
import { open } from "node:fs/promises";
import path from "node:path";
import { ensurePrivateDir, writeFileAtomic } from "../../common/atomic-file.js";
import { errorMessage, jsonErrorWhere } from "../../common/errors.js";
import * as z from "../../common/zod.js";
import type { RemediationConfig } from "../../config/schema-remediation.js";
import type { RemediationHistory } from "../../policy/remediate-bounds.js";
import { withFileLock } from "../locks.js";

export const LEDGER_FILE = "remediation-ledger.json";
/** The most attempts kept, newest first (at most 60 an hour per state dir are possible). */
export const LEDGER_MAX_ENTRIES = 1_000;
const LEDGER_MAX_BYTES = 1024 * 1024;
const HOUR_MS = 3_600_000;

const entrySchema = z.object({
  attempt: z.string().check(z.maxLength(64)),
  atMs: z.number(),
  stateDir: z.string().check(z.maxLength(4096)),
  deviceId: z.string().check(z.maxLength(256)),
  action: z.enum(["approve", "request-repair"]),
  requestId: z.optional(z.string().check(z.maxLength(256))),
  status: z.nullable(z.string().check(z.maxLength(64))),
  healed: z.boolean(),
});
const ledgerSchema = z.object({ version: z.literal(1), attempts: z.array(entrySchema) });

export type LedgerEntry = z.infer<typeof entrySchema>;

/** How long the bounds look back: an hour (maxPerHour), the regression window, the longest backoff. */
export function ledgerKeepMs(cfg: Pick<RemediationConfig, "regressionWindow" | "backoff">): number {
  return Math.max(HOUR_MS, cfg.regressionWindow, cfg.backoff.max);
}

export type HistoryRead = { ok: true; history: RemediationHistory } | { ok: false; problem: string };

export interface Ledger {
  readonly file: string;
  /** This state dir's attempts, or why the ledger cannot be read (fail closed: the caller then acts on nothing). */
  history(stateDir: string): Promise<HistoryRead>;
  /** Adds an attempt, or replaces the one with the same id (its end); prunes to `keepMs` before `nowMs`. */
  record(entry: LedgerEntry, o: { nowMs: number; keepMs: number }): Promise<void>;
}

/** The ledger's entries: [] when it is absent; a problem text (naming the file) when it is anything else. */
async function readEntries(file: string): Promise<LedgerEntry[] | { problem: string }> {
  let h: Awaited<ReturnType<typeof open>>;
  try {
    h = await open(file, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // absent, or its folder cannot exist: no attempt was ever recorded there (writing will say why it cannot)
    if (code === "ENOENT" || code === "ENOTDIR") return [];
    return { problem: `${file} cannot be read (${code ?? errorMessage(err)})` };
  }
  try {
    const st = await h.stat();
    if (!st.isFile()) return { problem: `${file} is not a regular file` };
    if (st.size > LEDGER_MAX_BYTES) return { problem: `${file} is larger than ${LEDGER_MAX_BYTES} bytes` };
    const text = (await h.readFile()).toString("utf8");
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (err) {
      return { problem: `${file} is not valid JSON (${jsonErrorWhere(err)})` };
    }
    const parsed = ledgerSchema.safeParse(raw);
    if (!parsed.success)
      return {
        problem: `${file} is not a remediation ledger (${parsed.error.issues[0]?.message ?? "bad shape"})`,
      };
    return parsed.data.attempts;
  } finally {
    await h.close();
  }
}

/** Keeps what the bounds need: attempts newer than `keepMs` (none from the future), the newest first, capped. */
export function pruneLedger(entries: readonly LedgerEntry[], nowMs: number, keepMs: number): LedgerEntry[] {
  return entries
    .filter((e) => e.atMs > nowMs - keepMs && e.atMs <= nowMs + 60_000)
    .sort((a, b) => b.atMs - a.atMs)
    .slice(0, LEDGER_MAX_ENTRIES);
}

/** The ledger in `dataDir`. */
export function createLedger(dataDir: string): Ledger {
  const file = path.join(dataDir, LEDGER_FILE);
  let queue: Promise<unknown> = Promise.resolve();
  return {
    file,
    async history(stateDir) {
      const read = await readEntries(file);
      if (!Array.isArray(read)) return { ok: false, problem: read.problem };
      const attempts = read
        .filter((e) => e.stateDir === stateDir)
        .map(({ atMs, deviceId, action, status, healed }) => ({ atMs, deviceId, action, status, healed }));
      return { ok: true, history: { attempts } };
    },
    record(entry, o) {
      const write = async () => {
        const read = await readEntries(file);
        if (!Array.isArray(read)) throw new Error(read.problem);
        const others = read.filter((e) => e.attempt !== entry.attempt);
        const attempts = pruneLedger([entry, ...others], o.nowMs, o.keepMs);
        await writeFileAtomic(file, `${JSON.stringify({ version: 1, attempts }, null, 2)}\n`);
      };
      // one writer at a time in this process, and across watchdogs sharing the data dir
      const next = queue.then(async () => {
        await ensurePrivateDir(dataDir);
        return withFileLock(file, write);
      });
      queue = next.catch(() => undefined);
      return next;
    },
  };
}
