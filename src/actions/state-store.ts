// The watchdog's own memory between runs, in its data folder: the last healthy pairing per OpenClaw state
// directory (never tokens) and where the log tail stopped. Unreadable files are set aside, not fatal.

import { readFile, rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { writeFileAtomic } from "../common/atomic-file.js";
import type { Logger } from "../common/log.js";
import type { LastGoodState } from "../common/types.js";
import { APP_NAME } from "../config/load.js";

/** $XDG_STATE_HOME/openclaw-scope-watchdog, or ~/.local/state/openclaw-scope-watchdog, unless configured. */
export function resolveDataDir(
  configured: string | null,
  env: NodeJS.ProcessEnv,
  home = os.homedir(),
): string {
  if (configured) return path.resolve(configured.replace(/^~(?=$|\/)/, home));
  const base = env.XDG_STATE_HOME?.trim() || path.join(home, ".local", "state");
  return path.join(base, APP_NAME);
}

const lastGoodSchema = z.object({
  deviceId: z.string(),
  publicKey: z.string(),
  approvedScopes: z.array(z.string()),
  recordedAtMs: z.number(),
});

const fileOffsetSchema = z.object({ file: z.string(), dev: z.number(), ino: z.number(), offset: z.number() });
/** Where the gateway-log tail stopped (src/sources/log/tail-offsets.ts Offset): the active file and the others. */
export const logOffsetSchema = fileOffsetSchema.extend({
  atMs: z.number(),
  others: z.array(fileOffsetSchema).optional(),
});
export type LogOffset = z.infer<typeof logOffsetSchema>;

/** Reads a JSON file through a schema; a missing file is `fallback`, a bad one is moved aside and reported. */
async function readJson<T>(file: string, schema: z.ZodType<T>, fallback: T, logger: Logger): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    logger.warn({ file, err: String(err) }, "cannot read the watchdog's own state file; starting without it");
    return fallback;
  }
  const parsed = (() => {
    try {
      return schema.safeParse(JSON.parse(text));
    } catch {
      return null;
    }
  })();
  if (parsed?.success) return parsed.data;
  const aside = `${file}.corrupt-${Date.now()}`;
  await rename(file, aside).catch(() => undefined);
  logger.warn(
    { file, movedTo: aside },
    "the watchdog's own state file was unreadable; moved it aside and started fresh",
  );
  return fallback;
}

export interface StateStore {
  readonly dir: string;
  loadLastGood(stateDir: string): Promise<LastGoodState | null>;
  saveLastGood(stateDir: string, state: LastGoodState): Promise<void>;
  loadLogOffset(stateDir: string): Promise<LogOffset | null>;
  saveLogOffset(stateDir: string, offset: LogOffset): Promise<void>;
}

/** A JSON file of values keyed by OpenClaw state directory, read and rewritten atomically as a whole. */
function keyedFile<T>(
  file: string,
  value: z.ZodType<T>,
  logger: Logger,
  serial: <R>(fn: () => Promise<R>) => Promise<R>,
) {
  const schema = z.object({ version: z.literal(1), byStateDir: z.record(z.string(), value) });
  const empty = (): z.infer<typeof schema> => ({ version: 1, byStateDir: {} });
  return {
    async load(stateDir: string): Promise<T | null> {
      return (await readJson(file, schema, empty(), logger)).byStateDir[stateDir] ?? null;
    },
    save(stateDir: string, v: T): Promise<void> {
      return serial(async () => {
        const all = await readJson(file, schema, empty(), logger);
        all.byStateDir[stateDir] = value.parse(v);
        await writeFileAtomic(file, `${JSON.stringify(all, null, 2)}\n`);
      });
    },
  };
}

export function createStateStore(dir: string, logger: Logger): StateStore {
  // Writes are serialised so two quick saves cannot interleave their read-modify-write.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const lastGood = keyedFile(path.join(dir, "last-good.json"), lastGoodSchema, logger, serial);
  const offsets = keyedFile(path.join(dir, "log-offsets.json"), logOffsetSchema, logger, serial);
  return {
    dir,
    loadLastGood: (stateDir) => lastGood.load(stateDir),
    saveLastGood: (stateDir, state) => lastGood.save(stateDir, state),
    loadLogOffset: (stateDir) => offsets.load(stateDir),
    saveLogOffset: (stateDir, offset) => offsets.save(stateDir, offset),
  };
}
