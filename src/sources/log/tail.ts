// Follows the gateway's JSON-lines log: chokidar on the log directory, only new bytes read, resumable offsets,
// daily rollover, size rotation (`.1` … `.5`, 2026.4.25+) and truncation. Every file of the family is followed by
// inode: 2026.4.x subsystem loggers keep writing the file of the day they were created after midnight (#47266).

import { type Logger, silentLogger } from "../../common/log.js";
import type { KnownSecret } from "../../common/redact.js";
import type { Observation } from "../../common/types.js";
import { MAX_LINE_CHARS } from "./lines.js";
import type { LogLocation } from "./location.js";
import { FollowedFiles, type WarnOnce } from "./tail-files.js";
import { createLineHandler, createTailCounters, type ObservationMeta } from "./tail-observations.js";
import {
  createOffsetSaver,
  decideResumeOffset,
  loadSavedOffset,
  type Offset,
  type OffsetStore,
  pickMainFile,
  planOffsetRecord,
} from "./tail-offsets.js";
import { createFileReader } from "./tail-reader.js";
import { createRescan, createSettle } from "./tail-timers.js";
import { createDirWatch } from "./tail-watch.js";

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

/**
 * Creates a tail over the log family named by `location`; nothing happens until start(). It wires tail-files
 * (which files, rotation), tail-reader (bytes to lines), tail-observations (lines to observations, counters),
 * tail-offsets (resume, saves), tail-watch and tail-timers together and runs the work loop.
 */
export function createLogTail(opts: LogTailOptions): LogTail {
  const loc = opts.location;
  const dir = loc.dir;
  const now = opts.now ?? Date.now;
  const log = (opts.logger ?? silentLogger).child({ component: "log-tail" });
  const maxLineBytes = opts.maxLineBytes ?? MAX_LINE_CHARS;
  const counters = createTailCounters();

  let closed = false;
  const isClosed = () => closed;
  let startPromise: Promise<void> | null = null;
  let stopPromise: Promise<void> | null = null;
  let pending = { full: false, paths: new Set<string>() };
  let running: Promise<void> | null = null;
  const warned = new Set<string>();

  const warnOnce: WarnOnce = (key, obj, msg) => {
    if (warned.has(key)) return;
    warned.add(key);
    log.warn(obj, msg);
  };
  const secrets = (): readonly KnownSecret[] =>
    typeof opts.secrets === "function" ? opts.secrets() : (opts.secrets ?? []);

  const files = new FollowedFiles({ location: loc, maxLineBytes, counters, log, warnOnce });
  const saver = createOffsetSaver({
    store: opts.offsets,
    everyMs: opts.saveEveryMs ?? 2_000,
    record: () => {
      const nowMs = now();
      return planOffsetRecord(files.all(), loc.fileFor(nowMs), nowMs);
    },
    isClosed,
    log,
  });
  const settle = createSettle({ settleMs: opts.settleMs ?? 60, isClosed, onDue: (p) => request(false, p) });
  const rescan = createRescan({
    everyMs: opts.rescanEveryMs ?? 60_000,
    isClosed,
    onDue: () => request(true),
  });
  const watcher = createDirWatch({
    dir,
    isFamilyName: loc.isFamilyName,
    usePolling: opts.usePolling ?? false,
    pollIntervalMs: opts.pollIntervalMs ?? 1_000,
    isClosed,
    request,
    log,
  });
  const drain = createFileReader({
    readChunkBytes: opts.readChunkBytes,
    counters,
    isClosed,
    onLine: createLineHandler({
      counters,
      maxLineBytes,
      now,
      replayWindowMs: opts.replayWindowMs ?? 120_000,
      dedupeWindowMs: opts.dedupeWindowMs ?? 1_000,
      secrets,
      onObservation: opts.onObservation,
      log,
    }),
    onChanged: (t) => {
      t.lastReadMs = now();
      saver.markDirty();
      settle.arm(t.path);
    },
    log,
    warnOnce,
  });

  // ---- scanning and the work loop ------------------------------------------------------------------------------

  /** Follows every file of the family from where the resume decision puts it. */
  async function initialScan(saved: Offset | null): Promise<void> {
    const list = await files.list();
    if (list === null) {
      watcher.markMissing();
      return;
    }
    for (const { p, st } of list) {
      const resume = decideResumeOffset(p, st, saved, loc.compareAge);
      if (resume.why === "shrank") {
        log.info(
          { file: p, size: st.size, offset: resume.savedOffset },
          "log file shrank while stopped; reading it from the start",
        );
      }
      files.track(p, st, resume.offset);
    }
    // the first start begins at the end: remember that, so lines written while stopped are read after a restart
    if (!saved && files.size > 0) saver.markDirty();
    log.info(
      {
        dir,
        file: loc.fileFor(now()),
        files: files.all().map((t) => ({ file: t.path, offset: t.lines.offset })),
        resumed: saved !== null,
      },
      "following the gateway log",
    );
  }

  async function fullScan(): Promise<void> {
    const list = await files.list();
    if (list === null) await watcher.lost();
    else await files.scan(list, drain, isClosed);
  }

  async function readPath(p: string): Promise<boolean> {
    const t = files.byPath(p);
    return t ? drain(t) : false;
  }

  async function pump(): Promise<void> {
    try {
      while (!closed && (pending.full || pending.paths.size > 0)) {
        const work = pending;
        pending = { full: false, paths: new Set() };
        if (watcher.waiting) {
          if (!(await watcher.awaitDirectory())) continue;
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

  // ---- lifecycle -------------------------------------------------------------------------------------------------

  return {
    start() {
      if (startPromise) return startPromise;
      startPromise = (async () => {
        const saved = await loadSavedOffset(opts.offsets, log);
        if (closed) return;
        await initialScan(saved);
        await watcher.watch();
        rescan.arm();
        // catch-up from the positions decided above, and anything written meanwhile
        request(true);
      })();
      return startPromise;
    },
    stop() {
      if (stopPromise) return stopPromise;
      closed = true;
      stopPromise = (async () => {
        settle.cancel();
        rescan.cancel();
        saver.cancelTimer();
        watcher.releaseReadyWaits();
        await startPromise?.catch(() => {});
        // the pump may be replacing the watcher: let it finish first, then close whatever is left
        while (running) await running;
        await watcher.close();
        await saver.saveNow();
      })();
      return stopPromise;
    },
    stats() {
      const main = pickMainFile(files.all(), loc.fileFor(now()));
      return {
        ...counters,
        skipped: { ...counters.skipped },
        file: main?.path ?? (watcher.waiting ? null : loc.fileFor(now())),
        offset: main ? main.lines.offset : null,
        files: files.size,
        waiting: watcher.waiting,
      };
    },
    async idle() {
      while (running) await running;
    },
  };
}
