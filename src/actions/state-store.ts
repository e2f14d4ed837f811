// The watchdog's own memory between runs, in its data folder, each file written atomically with mode 0600 and
// carrying a schema version: the last healthy pairing per OpenClaw state directory (never tokens), where the log
// tail stopped, the open incidents with their recent observations, and the notification state. Unreadable or
// foreign files are moved aside with one log line naming them, never fatal.

import { readFile, rename } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { writeFileAtomic } from "../common/atomic-file.js";
import { errorMessage } from "../common/errors.js";
import type { Logger } from "../common/log.js";
import type { LastGoodState } from "../common/types.js";
import * as z from "../common/zod.js";
import { APP_NAME } from "../config/load.js";
import type { NotifyState } from "../policy/notify.js";
import { type IncidentMemory, incidentMemorySchema, notifyStateSchema } from "./stored-state.js";

export type { IncidentMemory } from "./stored-state.js";

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
export const logOffsetSchema = z.extend(fileOffsetSchema, {
  atMs: z.number(),
  others: z.optional(z.array(fileOffsetSchema)),
});
export type LogOffset = z.infer<typeof logOffsetSchema>;

/** Reads a JSON file through a schema; a missing file is `fallback`, a bad one is moved aside and reported. */
async function readJson<T>(file: string, schema: z.ZodMiniType<T>, fallback: T, logger: Logger): Promise<T> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return fallback;
    logger.warn({ file, err: errorMessage(err) }, `cannot read ${file}; starting without what it holds`);
    return fallback;
  }
  let problem: string;
  try {
    const parsed = schema.safeParse(JSON.parse(text));
    if (parsed.success) return parsed.data;
    const issue = parsed.error.issues[0];
    problem = issue ? `${issue.path.join(".") || "(top)"}: ${issue.message}` : "not the expected shape";
  } catch (err) {
    problem = `not JSON: ${errorMessage(err)}`;
  }
  const aside = `${file}.corrupt-${Date.now()}`;
  const moved = await rename(file, aside).then(
    () => true,
    () => false,
  );
  logger.warn(
    { file, movedTo: moved ? aside : null, problem },
    moved
      ? `the watchdog's own state file ${file} is unreadable (${problem}); moved it to ${aside} and started without it`
      : `the watchdog's own state file ${file} is unreadable (${problem}); started without it`,
  );
  return fallback;
}

export interface StateStore {
  readonly dir: string;
  loadLastGood(stateDir: string): Promise<LastGoodState | null>;
  saveLastGood(stateDir: string, state: LastGoodState): Promise<void>;
  loadLogOffset(stateDir: string): Promise<LogOffset | null>;
  saveLogOffset(stateDir: string, offset: LogOffset): Promise<void>;
  /** The daemon's open incidents and recent observations for one OpenClaw state directory. */
  loadIncidents(stateDir: string): Promise<IncidentMemory | null>;
  saveIncidents(stateDir: string, memory: IncidentMemory): Promise<void>;
  /** The notification policy's state (groups, what was sent when, flapping, the rate-limit window). */
  loadNotifyState(): Promise<NotifyState | null>;
  saveNotifyState(state: NotifyState, savedAtMs: number): Promise<void>;
}

type Serial = <R>(fn: () => Promise<R>) => Promise<R>;

/** A JSON file of values keyed by OpenClaw state directory, read and rewritten atomically as a whole. */
function keyedFile<T>(file: string, value: z.ZodMiniType<T>, logger: Logger, serial: Serial) {
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

const notifyFileSchema = z.object({ version: z.literal(1), savedAtMs: z.number(), state: notifyStateSchema });

export const LAST_GOOD_FILE = "last-good.json";
export const LOG_OFFSETS_FILE = "log-offsets.json";
export const INCIDENTS_FILE = "incidents.json";
export const NOTIFY_STATE_FILE = "notify-state.json";

export function createStateStore(dir: string, logger: Logger): StateStore {
  // Writes are serialised so two quick saves cannot interleave their read-modify-write.
  let queue: Promise<unknown> = Promise.resolve();
  const serial: Serial = <R>(fn: () => Promise<R>): Promise<R> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };
  const lastGood = keyedFile(path.join(dir, LAST_GOOD_FILE), lastGoodSchema, logger, serial);
  const offsets = keyedFile(path.join(dir, LOG_OFFSETS_FILE), logOffsetSchema, logger, serial);
  const incidents = keyedFile(path.join(dir, INCIDENTS_FILE), incidentMemorySchema, logger, serial);
  const notifyFile = path.join(dir, NOTIFY_STATE_FILE);
  return {
    dir,
    loadLastGood: (stateDir) => lastGood.load(stateDir),
    saveLastGood: (stateDir, state) => lastGood.save(stateDir, state),
    loadLogOffset: (stateDir) => offsets.load(stateDir),
    saveLogOffset: (stateDir, offset) => offsets.save(stateDir, offset),
    loadIncidents: (stateDir) => incidents.load(stateDir),
    saveIncidents: (stateDir, memory) => incidents.save(stateDir, memory),
    async loadNotifyState() {
      return (await readJson(notifyFile, z.nullable(notifyFileSchema), null, logger))?.state ?? null;
    },
    saveNotifyState(state, savedAtMs) {
      const body = { version: 1 as const, savedAtMs, state: notifyStateSchema.parse(state) };
      return serial(() => writeFileAtomic(notifyFile, `${JSON.stringify(body)}\n`));
    },
  };
}
