// Follows the gateway's JSON-lines log: chokidar on the log directory, only new bytes read, resumable offsets,
// daily rollover, size rotation (`.1` … `.5`, 2026.4.25+) and truncation. Every file of the family is followed by
// inode: 2026.4.x subsystem loggers keep writing the file of the day they were created after midnight (#47266).

import { isUtf8 } from "node:buffer";
import type { Stats } from "node:fs";
import { open, readdir, stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";
import { type Logger, silentLogger } from "../../common/log.js";
import type { Observation } from "../../common/types.js";
import { LineSplitter } from "./line-splitter.js";
import { type KnownSecret, MAX_LINE_CHARS, parseLogLine } from "./lines.js";
import type { LogLocation } from "./location.js";

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

export interface ObservationMeta {
  /** The line is older than the replay window (read while catching up after a restart): record, do not alert. */
  stale: boolean;
  file: string;
}

export interface LogTailOptions {
  location: Pick<LogLocation, "dir" | "fileFor" | "isFamilyName" | "compareAge">;
  onObservation(o: Observation, meta: ObservationMeta): void;
  offsets: OffsetStore;
  logger?: Logger;
  now?: () => number;
  /** Observations older than this when read are marked stale (default 120 s). */
  replayWindowMs?: number;
  /** Poll instead of native events (WSL /mnt/* paths, network file systems). */
  usePolling?: boolean;
  pollIntervalMs?: number;
  /** At most one offset save per this long while lines arrive, plus one on stop (default 2 s). */
  saveEveryMs?: number;
  /** Lines longer than this are skipped to the next newline and counted (default 64 KiB). */
  maxLineBytes?: number;
  readChunkBytes?: number;
  /**
   * One re-check this long after a read (default 60): chokidar emits at most one change per file per 50 ms and
   * drops the rest, so a line written right after another would otherwise wait for the next write.
   */
  settleMs?: number;
  /** A full re-scan this often in case a file event was lost; 0 turns it off (default 60 s). */
  rescanEveryMs?: number;
  /** The same observation text twice within this window is one event (4.x logs client errors twice). */
  dedupeWindowMs?: number;
  /** Secrets that must never reach an observation (the gateway token, a password). */
  secrets?: readonly KnownSecret[] | (() => readonly KnownSecret[]);
}

export interface LogTailStats {
  linesRead: number;
  bytesRead: number;
  observations: number;
  stale: number;
  duplicates: number;
  skipped: { notJson: number; invalidUtf8: number; tooLong: number };
  /** The file written today (or the last one read), and the offset reached in it. */
  file: string | null;
  offset: number | null;
  /** How many files of the family are followed. */
  files: number;
  /** The log directory does not exist yet: watching its nearest existing parent. */
  waiting: boolean;
}

export interface LogTail {
  /** Decides where to read from, starts watching; catch-up continues in the background. */
  start(): Promise<void>;
  /** Idempotent; resolves after the watcher is closed, reading has stopped and the offset is saved. */
  stop(): Promise<void>;
  stats(): LogTailStats;
  /** Resolves when nothing is being read (catch-up finished, no event pending). */
  idle(): Promise<void>;
}

interface Tracked {
  key: string;
  path: string;
  dev: number;
  ino: number;
  birthtimeMs: number;
  /** The bytes read so far, and the unfinished last line. */
  lines: LineSplitter;
  lastReadMs: number;
}

const MTIME_SLACK_MS = 10_000;
const SETTLE_QUICK_MS = 10;

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

function keyOf(st: Pick<Stats, "dev" | "ino">): string {
  return `${st.dev}:${st.ino}`;
}

function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/** The nearest existing ancestor of dir, and the child of it on the way to dir. */
async function nearestAncestor(dir: string): Promise<{ root: string; next: string }> {
  let next = dir;
  let cur = path.dirname(dir);
  for (;;) {
    try {
      if ((await stat(cur)).isDirectory()) return { root: cur, next };
    } catch {
      // keep climbing
    }
    const up = path.dirname(cur);
    if (up === cur) return { root: cur, next };
    next = cur;
    cur = up;
  }
}

/** Creates a tail over the log family named by `location`; nothing happens until start(). */
export function createLogTail(opts: LogTailOptions): LogTail {
  const loc = opts.location;
  const dir = loc.dir;
  const now = opts.now ?? Date.now;
  const log = (opts.logger ?? silentLogger).child({ component: "log-tail" });
  const replayWindowMs = opts.replayWindowMs ?? 120_000;
  const saveEveryMs = opts.saveEveryMs ?? 2_000;
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_CHARS;
  const settleMs = opts.settleMs ?? 60;
  const rescanEveryMs = opts.rescanEveryMs ?? 60_000;
  const dedupeWindowMs = opts.dedupeWindowMs ?? 1_000;
  const readBuf = Buffer.allocUnsafe(Math.max(64 * 1024, opts.readChunkBytes ?? 1024 * 1024));

  const files = new Map<string, Tracked>();
  const recent: Array<{ sig: string; atMs: number }> = [];
  const counters = {
    linesRead: 0,
    bytesRead: 0,
    observations: 0,
    stale: 0,
    duplicates: 0,
    skipped: { notJson: 0, invalidUtf8: 0, tooLong: 0 },
  };

  let closed = false;
  let startPromise: Promise<void> | null = null;
  let stopPromise: Promise<void> | null = null;
  let watcher: FSWatcher | null = null;
  let watchRoot: string | null = null;
  let waiting = false;
  let pending = { full: false, paths: new Set<string>() };
  let running: Promise<void> | null = null;
  let settleTimer: NodeJS.Timeout | null = null;
  const settlePaths = new Set<string>();
  let rescanTimer: NodeJS.Timeout | null = null;
  let saveTimer: NodeJS.Timeout | null = null;
  let saving: Promise<void> = Promise.resolve();
  let dirty = false;
  const readyWaiters = new Set<() => void>();
  const warned = new Set<string>();

  const secrets = (): readonly KnownSecret[] =>
    typeof opts.secrets === "function" ? opts.secrets() : (opts.secrets ?? []);

  function warnOnce(key: string, obj: object, msg: string): void {
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(obj, msg);
  }

  // ---- observations ------------------------------------------------------------------------------------------

  function deliver(o: Observation, t: Tracked): void {
    const sig = `${o.kind}\u0000${o.text}`;
    const dup = recent.find((r) => r.sig === sig && Math.abs(r.atMs - o.atMs) <= dedupeWindowMs);
    if (dup) {
      counters.duplicates++;
      return;
    }
    recent.push({ sig, atMs: o.atMs });
    if (recent.length > 32) recent.shift();
    const stale = o.atMs < now() - replayWindowMs;
    counters.observations++;
    if (stale) counters.stale++;
    try {
      opts.onObservation(o, { stale, file: t.path });
    } catch (err) {
      log.error({ err, kind: o.kind }, "observation handler failed");
    }
  }

  function handleLine(t: Tracked, line: Buffer, candidate: boolean, utf8Checked: boolean): void {
    counters.linesRead++;
    if (line.length > maxLineBytes) {
      counters.skipped.tooLong++;
      return;
    }
    if (!utf8Checked && !isUtf8(line)) {
      counters.skipped.invalidUtf8++;
      return;
    }
    if (!candidate) return;
    const parsed = parseLogLine(line.toString("utf8"), now(), {
      secrets: secrets(),
      maxLineChars: Number.POSITIVE_INFINITY,
    });
    if (parsed.kind === "observation") deliver(parsed.observation, t);
    else if (parsed.kind === "skipped") {
      if (parsed.why === "not-json") counters.skipped.notJson++;
      else if (parsed.why === "invalid-utf8") counters.skipped.invalidUtf8++;
      else counters.skipped.tooLong++;
    }
  }

  // ---- reading -------------------------------------------------------------------------------------------------

  /** Reads t from its offset to the end; false when the path no longer holds t's inode. */
  async function drain(t: Tracked): Promise<boolean> {
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(t.path, "r");
    } catch (err) {
      if (errCode(err) !== "ENOENT")
        warnOnce(`open:${t.path}:${errCode(err)}`, { err, file: t.path }, "cannot open log file");
      return false;
    }
    try {
      let st = await handle.stat();
      if (keyOf(st) !== t.key) return false;
      // something changed (data or a truncation): look once more shortly, chokidar may swallow the next event
      let changed = false;
      if (st.size < t.lines.offset) {
        log.info(
          { file: t.path, size: st.size, offset: t.lines.offset },
          "log file truncated; reading it from the start",
        );
        t.lines.resetTo(0);
        changed = true;
      }
      while (!closed && t.lines.offset < st.size) {
        const want = Math.min(readBuf.length, st.size - t.lines.offset);
        const { bytesRead } = await handle.read(readBuf, 0, want, t.lines.offset);
        if (bytesRead === 0) break;
        counters.bytesRead += bytesRead;
        t.lines.consume(readBuf.subarray(0, bytesRead), (line, candidate, checked) =>
          handleLine(t, line, candidate, checked),
        );
        changed = true;
        if (t.lines.offset >= st.size) st = await handle.stat();
      }
      if (changed) {
        t.lastReadMs = now();
        markDirty();
        armSettle(t.path);
      }
      return true;
    } catch (err) {
      warnOnce(`read:${t.path}:${errCode(err)}`, { err, file: t.path }, "cannot read log file");
      return true;
    } finally {
      await handle.close().catch(() => {});
    }
  }

  function track(p: string, st: Stats, offset: number): Tracked {
    const t: Tracked = {
      key: keyOf(st),
      path: p,
      dev: st.dev,
      ino: st.ino,
      birthtimeMs: st.birthtimeMs,
      lines: new LineSplitter(offset, maxLineBytes, counters),
      lastReadMs: 0,
    };
    files.set(t.key, t);
    return t;
  }

  /** A known inode showing up under a newer name, or born again, is a new file reusing the number. */
  function isSameFile(was: { path: string; birthtimeMs: number }, p: string, st: Stats): boolean {
    if (was.birthtimeMs > 0 && st.birthtimeMs > 0 && was.birthtimeMs !== st.birthtimeMs) return false;
    if (p === was.path) return true;
    // rotation only renames towards older names (x.log -> x.1.log -> x.2.log)
    return loc.compareAge(path.basename(p), path.basename(was.path)) < 0;
  }

  async function listFamily(): Promise<Array<{ p: string; st: Stats }> | null> {
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errCode(err) === "ENOENT" || errCode(err) === "ENOTDIR") return null;
      warnOnce(`readdir:${errCode(err)}`, { err, dir }, "cannot list the log directory");
      return [];
    }
    const out: Array<{ p: string; st: Stats }> = [];
    for (const name of names.filter(loc.isFamilyName).sort(loc.compareAge)) {
      const p = path.join(dir, name);
      try {
        const st = await stat(p);
        if (st.isFile()) out.push({ p, st });
      } catch {
        // removed between readdir and stat: pruned or rotated away
      }
    }
    return out;
  }

  /** Where each file starts on the first scan: the saved offset, the end (first start), or 0 (new since the save). */
  function initialOffset(p: string, st: Stats, saved: Offset | null): number {
    if (!saved) return st.size;
    const all: FileOffset[] = [saved, ...(saved.others ?? [])];
    const rec = all.find((r) => r.dev === st.dev && r.ino === st.ino);
    if (rec && isSameFile({ path: rec.file, birthtimeMs: 0 }, p, st)) {
      if (st.size >= rec.offset) return rec.offset;
      log.info(
        { file: p, size: st.size, offset: rec.offset },
        "log file shrank while stopped; reading it from the start",
      );
      return 0;
    }
    // not followed at the save: written since (new day, new file after a rotation) -> all of it is unseen.
    // File times are coarse (a few ms behind the clock), hence the slack; an unseen file never replays.
    return st.mtimeMs > saved.atMs - MTIME_SLACK_MS ? 0 : st.size;
  }

  async function initialScan(saved: Offset | null): Promise<void> {
    const list = await listFamily();
    if (list === null) {
      waiting = true;
      return;
    }
    for (const { p, st } of list) {
      const offset = initialOffset(p, st, saved);
      track(p, st, offset);
    }
    // the first start begins at the end: remember that, so lines written while stopped are read after a restart
    if (!saved && files.size > 0) markDirty();
    const mainFile = loc.fileFor(now());
    log.info(
      {
        dir,
        file: mainFile,
        files: [...files.values()].map((t) => ({ file: t.path, offset: t.lines.offset })),
        resumed: saved !== null,
      },
      "following the gateway log",
    );
  }

  async function fullScan(): Promise<void> {
    const list = await listFamily();
    if (list === null) {
      if (!waiting) {
        log.info({ dir }, "log directory is gone; waiting for it to appear");
        waiting = true;
        await rewatch();
      }
      return;
    }
    const seen = new Set<string>();
    for (const { p, st } of list) {
      if (closed) return;
      const key = keyOf(st);
      seen.add(key);
      let t = files.get(key);
      if (t && !isSameFile(t, p, st)) {
        files.delete(key);
        t = undefined;
      }
      if (!t) {
        log.info({ file: p }, "new log file; reading it from the start");
        t = track(p, st, 0);
      } else if (t.path !== p) {
        log.info({ from: t.path, to: p }, "log file rotated; finishing it under its new name");
        t.path = p;
      }
      await drain(t);
    }
    for (const key of [...files.keys()]) if (!seen.has(key)) files.delete(key);
  }

  async function readPath(p: string): Promise<boolean> {
    const t = [...files.values()].find((f) => f.path === p);
    return t ? drain(t) : false;
  }

  /** While waiting: follows directories as they are created on the way to dir; true once dir exists. */
  async function awaitDirectory(): Promise<boolean> {
    while (!closed) {
      const st = await stat(dir).catch(() => null);
      if (st?.isDirectory()) {
        log.info({ dir }, "log directory appeared");
        waiting = false;
        await rewatch();
        return !closed;
      }
      // a directory on the way was created: watch from there, then look again (it may have grown meanwhile)
      if ((await nearestAncestor(dir)).root === watchRoot) return false;
      await rewatch();
    }
    return false;
  }

  async function pump(): Promise<void> {
    try {
      while (!closed && (pending.full || pending.paths.size > 0)) {
        const work = pending;
        pending = { full: false, paths: new Set() };
        if (waiting) {
          if (!(await awaitDirectory())) continue;
          work.full = true;
        }
        let full = work.full;
        if (!full) {
          for (const p of work.paths) {
            if (closed) break;
            // a path that no longer holds the inode we follow there: rotation or replacement
            if (!(await readPath(p))) full = true;
          }
        }
        if (full && !closed) await fullScan();
      }
    } catch (err) {
      log.error({ err }, "log tail failed; retrying on the next file event");
    } finally {
      running = null;
    }
  }

  function request(full: boolean, p?: string): void {
    if (closed) return;
    if (full) pending.full = true;
    if (p) pending.paths.add(p);
    if (!running) running = pump();
  }

  // ---- timers ----------------------------------------------------------------------------------------------------

  /**
   * Re-checks the files just read after SETTLE_QUICK_MS (a gateway writes related lines a few ms apart) and
   * after settleMs (past chokidar's 50 ms window); a check that finds data starts the sequence again.
   */
  function armSettle(p: string): void {
    if (closed) return;
    settlePaths.add(p);
    scheduleSettle(0);
  }

  function scheduleSettle(step: number): void {
    if (settleTimer) clearTimeout(settleTimer);
    const steps = [Math.min(SETTLE_QUICK_MS, settleMs), settleMs];
    const delay = (steps[step] ?? settleMs) - (step > 0 ? (steps[step - 1] ?? 0) : 0);
    settleTimer = setTimeout(() => {
      settleTimer = null;
      const paths = [...settlePaths];
      if (step + 1 < steps.length) scheduleSettle(step + 1);
      else settlePaths.clear();
      for (const sp of paths) request(false, sp);
    }, delay);
    settleTimer.unref();
  }

  function armRescan(): void {
    if (closed || rescanEveryMs <= 0) return;
    rescanTimer = setTimeout(() => {
      rescanTimer = null;
      request(true);
      armRescan();
    }, rescanEveryMs);
    rescanTimer.unref();
  }

  function markDirty(): void {
    dirty = true;
    if (saveTimer || closed) return;
    saveTimer = setTimeout(() => {
      saveTimer = null;
      void saveNow();
    }, saveEveryMs);
    saveTimer.unref();
  }

  function mainTracked(): Tracked | null {
    const today = loc.fileFor(now());
    let best: Tracked | null = null;
    for (const t of files.values()) {
      if (t.path === today) return t;
      if (!best || t.lastReadMs > best.lastReadMs) best = t;
    }
    return best;
  }

  function snapshot(): Offset | null {
    const main = mainTracked();
    if (!main) return null;
    const rec = (t: Tracked): FileOffset => ({
      file: t.path,
      dev: t.dev,
      ino: t.ino,
      offset: t.lines.lineStart,
    });
    const others = [...files.values()].filter((t) => t !== main).map(rec);
    return { ...rec(main), atMs: now(), ...(others.length > 0 ? { others } : {}) };
  }

  function saveNow(): Promise<void> {
    saving = saving.then(async () => {
      if (!dirty) return;
      dirty = false;
      const o = snapshot();
      if (!o) return;
      try {
        await opts.offsets.save(o);
      } catch (err) {
        dirty = true;
        log.warn({ err }, "cannot save the log offset");
      }
    });
    return saving;
  }

  // ---- watching --------------------------------------------------------------------------------------------------

  function waitReady(w: FSWatcher): Promise<void> {
    if (closed) return Promise.resolve();
    return new Promise((resolve) => {
      const done = () => {
        readyWaiters.delete(done);
        resolve();
      };
      readyWaiters.add(done);
      w.once("ready", done);
    });
  }

  async function rewatch(): Promise<void> {
    const old = watcher;
    watcher = null;
    if (old) await old.close();
    if (closed) return;
    let root: string;
    let ignored: (p: string) => boolean;
    if (waiting) {
      const a = await nearestAncestor(dir);
      if (closed) return;
      root = a.root;
      ignored = (p) => p !== a.root && p !== a.next;
      log.info({ dir, watching: root }, "log directory does not exist yet; watching its parent");
    } else {
      root = dir;
      ignored = (p) => p !== dir && !(path.dirname(p) === dir && loc.isFamilyName(path.basename(p)));
    }
    const w = watch(root, {
      depth: 0,
      ignoreInitial: true,
      atomic: false,
      usePolling: opts.usePolling ?? false,
      interval: opts.pollIntervalMs ?? 1_000,
      binaryInterval: opts.pollIntervalMs ?? 1_000,
      ignored,
    });
    w.on("all", (event, p) => {
      if (event === "change") request(false, p);
      else request(true);
    });
    w.on("error", (err) => {
      log.warn({ err, dir: root }, "log watcher error");
      request(true);
    });
    watcher = w;
    watchRoot = root;
    await waitReady(w);
  }

  // ---- lifecycle -------------------------------------------------------------------------------------------------

  async function loadSaved(): Promise<Offset | null> {
    try {
      return await opts.offsets.load();
    } catch (err) {
      log.warn({ err }, "cannot load the saved log offset; starting at the end of the log");
      return null;
    }
  }

  return {
    start() {
      if (startPromise) return startPromise;
      startPromise = (async () => {
        const saved = await loadSaved();
        if (closed) return;
        await initialScan(saved);
        await rewatch();
        armRescan();
        // catch-up from the positions decided above, and anything written meanwhile
        request(true);
      })();
      return startPromise;
    },
    stop() {
      if (stopPromise) return stopPromise;
      closed = true;
      stopPromise = (async () => {
        for (const timer of [settleTimer, rescanTimer, saveTimer]) if (timer) clearTimeout(timer);
        settleTimer = rescanTimer = saveTimer = null;
        for (const done of [...readyWaiters]) done();
        await startPromise?.catch(() => {});
        // the pump may be replacing the watcher: let it finish first, then close whatever is left
        while (running) await running;
        const w = watcher;
        watcher = null;
        if (w) await w.close();
        await saveNow();
      })();
      return stopPromise;
    },
    stats() {
      const main = mainTracked();
      return {
        ...counters,
        skipped: { ...counters.skipped },
        file: main?.path ?? (waiting ? null : loc.fileFor(now())),
        offset: main ? main.lines.offset : null,
        files: files.size,
        waiting,
      };
    },
    async idle() {
      while (running) await running;
    },
  };
}
