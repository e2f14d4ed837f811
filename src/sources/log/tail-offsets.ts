// Where the log tail stopped: saved offsets, the pure replay-or-skip decision on resume, the debounced saver.

import type { Stats } from "node:fs";
import type { Logger } from "../../common/log.js";
import { type CompareAge, isSameFile } from "./tail-files.js";

/** Where reading stopped in one file: the start of the first line not yet read. */
export interface FileOffset {
  file: string;
  dev: number;
  ino: number;
  offset: number;
}

/** What the offset store keeps: the main file, when it was recorded, and the other files followed. Plain JSON. */
export interface Offset extends FileOffset {
  /**
   * When it was recorded (`now()`). On restart, a file of the family that is in no record and was modified
   * after this is new (the next day's, the one created by a rotation) and is read from 0: `now` must be the
   * wall clock in production, as file times are.
   */
  atMs: number;
  /** The other files of the family: older days (2026.4.x keeps writing them), rotated archives. */
  others?: FileOffset[];
}

/** Persists the tail's position across restarts (the daemon provides a file-backed one). */
export interface OffsetStore {
  load(): Promise<Offset | null>;
  save(o: Offset): Promise<void>;
}

/** File times are coarse (a few ms behind the clock): a file modified this little before the save counts as after. */
const MTIME_SLACK_MS = 10_000;

/** An offset store in memory, for tests and one-shot runs. */
export function createMemoryOffsetStore(
  initial: Offset | null = null,
): OffsetStore & { current(): Offset | null } {
  let value = initial;
  return {
    load: async () => value,
    save: async (o) => {
      value = structuredClone(o);
    },
    current: () => value,
  };
}

/** The saved offset, or null (start at the end) when there is none or it cannot be read. */
export async function loadSavedOffset(store: OffsetStore, log: Logger): Promise<Offset | null> {
  try {
    return await store.load();
  } catch (err) {
    log.warn({ err }, "cannot load the saved log offset; starting at the end of the log");
    return null;
  }
}

/** Where one file starts on the first scan, and why. */
export type ResumeDecision =
  /** Nothing was saved (the first start): begin at the end, never replay the log's history. */
  | { why: "first-start"; offset: number }
  /** Followed at the save: go on from the saved offset. */
  | { why: "saved"; offset: number }
  /** Followed at the save but shorter now (truncated while stopped): read it again from the start. */
  | { why: "shrank"; offset: 0; savedOffset: number }
  /** In no record and modified since the save (a new day, a rotation's new file): all of it is unseen. */
  | { why: "new-since-save"; offset: 0 }
  /** In no record and not modified since the save: nothing in it is new, skip to its end. */
  | { why: "untouched-since-save"; offset: number };

/** Replay or skip on resume: where reading file `p` starts, given the saved offsets. */
export function decideResumeOffset(
  p: string,
  st: Pick<Stats, "dev" | "ino" | "size" | "mtimeMs" | "birthtimeMs">,
  saved: Offset | null,
  compareAge: CompareAge,
): ResumeDecision {
  if (!saved) return { why: "first-start", offset: st.size };
  const all: FileOffset[] = [saved, ...(saved.others ?? [])];
  const rec = all.find((r) => r.dev === st.dev && r.ino === st.ino);
  if (rec && isSameFile({ path: rec.file, birthtimeMs: 0 }, p, st, compareAge)) {
    return st.size >= rec.offset
      ? { why: "saved", offset: rec.offset }
      : { why: "shrank", offset: 0, savedOffset: rec.offset };
  }
  // an unseen file never replays: only one written since the save is read from 0
  return st.mtimeMs > saved.atMs - MTIME_SLACK_MS
    ? { why: "new-since-save", offset: 0 }
    : { why: "untouched-since-save", offset: st.size };
}

/** A followed file as far as its offset record goes. */
export interface OffsetSource {
  path: string;
  dev: number;
  ino: number;
  lastReadMs: number;
  lines: { lineStart: number };
}

/** The main file: today's when it is followed, else the one read last (the first of those on a tie). */
export function pickMainFile<T extends Pick<OffsetSource, "path" | "lastReadMs">>(
  files: Iterable<T>,
  todayPath: string,
): T | null {
  let best: T | null = null;
  for (const t of files) {
    if (t.path === todayPath) return t;
    if (!best || t.lastReadMs > best.lastReadMs) best = t;
  }
  return best;
}

/** The record to save at atMs: the main file and the others, each at the start of its unfinished line. */
export function planOffsetRecord(
  files: readonly OffsetSource[],
  todayPath: string,
  atMs: number,
): Offset | null {
  const main = pickMainFile(files, todayPath);
  if (!main) return null;
  const rec = (t: OffsetSource): FileOffset => ({
    file: t.path,
    dev: t.dev,
    ino: t.ino,
    offset: t.lines.lineStart,
  });
  const others = files.filter((t) => t !== main).map(rec);
  return { ...rec(main), atMs, ...(others.length > 0 ? { others } : {}) };
}

export interface OffsetSaver {
  /** Something was read: save within `everyMs` (at most one timed save per `everyMs` while lines arrive). */
  markDirty(): void;
  /** Saves now when anything changed since the last save; saves run one after another. */
  saveNow(): Promise<void>;
  /** Drops the pending timed save (stop saves once more itself). */
  cancelTimer(): void;
}

export interface OffsetSaverOptions {
  store: OffsetStore;
  everyMs: number;
  /** The record to save now, or null when no file is followed. */
  record(): Offset | null;
  isClosed(): boolean;
  log: Logger;
}

/** Saves the tail's position at most once per `everyMs` while lines arrive; a failed save is retried later. */
export function createOffsetSaver(o: OffsetSaverOptions): OffsetSaver {
  let timer: NodeJS.Timeout | null = null;
  let saving: Promise<void> = Promise.resolve();
  let dirty = false;

  function saveNow(): Promise<void> {
    saving = saving.then(async () => {
      if (!dirty) return;
      dirty = false;
      const rec = o.record();
      if (!rec) return;
      try {
        await o.store.save(rec);
      } catch (err) {
        dirty = true;
        o.log.warn({ err }, "cannot save the log offset");
      }
    });
    return saving;
  }

  return {
    markDirty() {
      dirty = true;
      if (timer || o.isClosed()) return;
      timer = setTimeout(() => {
        timer = null;
        void saveNow();
      }, o.everyMs);
      timer.unref();
    },
    saveNow,
    cancelTimer() {
      if (timer) clearTimeout(timer);
      timer = null;
    },
  };
}
