// Watches the log directory with chokidar, or while it is missing, its nearest existing ancestor.

import { stat } from "node:fs/promises";
import path from "node:path";
import { type FSWatcher, watch } from "chokidar";
import type { Logger } from "../../common/log.js";

/** The nearest existing ancestor of a directory, and the child of it on the way there. */
export interface Ancestor {
  root: string;
  next: string;
}

/** The nearest existing ancestor of dir, and the child of it on the way to dir. */
export async function nearestAncestor(dir: string): Promise<Ancestor> {
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

/**
 * What to watch: the log directory and only its family's files; or, while it is missing (`ancestor` given), the
 * nearest existing ancestor and only the child of it on the way to the directory.
 */
export function planWatch(
  dir: string,
  ancestor: Ancestor | null,
  isFamilyName: (name: string) => boolean,
): { root: string; ignored: (p: string) => boolean } {
  if (ancestor) return { root: ancestor.root, ignored: (p) => p !== ancestor.root && p !== ancestor.next };
  return {
    root: dir,
    ignored: (p) => p !== dir && !(path.dirname(p) === dir && isFamilyName(path.basename(p))),
  };
}

export interface DirWatchOptions {
  dir: string;
  isFamilyName(name: string): boolean;
  usePolling: boolean;
  pollIntervalMs: number;
  isClosed(): boolean;
  /** A file event: `full` asks for a family scan (add, unlink, error), else `p` changed. */
  request(full: boolean, p?: string): void;
  log: Logger;
}

export interface DirWatch {
  /** The log directory does not exist (yet): its nearest existing ancestor is watched. */
  readonly waiting: boolean;
  /** Notes that the directory is missing (before the first watch()). */
  markMissing(): void;
  /** Replaces the watcher with one for the current state; resolves once it is ready. */
  watch(): Promise<void>;
  /** The directory is gone: says so once and watches its nearest existing ancestor. */
  lost(): Promise<void>;
  /** While waiting: follows directories as they are created on the way to dir; true once dir exists. */
  awaitDirectory(): Promise<boolean>;
  /** Ends every wait for a watcher's `ready` (stop does not wait for a watcher that is being replaced). */
  releaseReadyWaits(): void;
  close(): Promise<void>;
}

export function createDirWatch(o: DirWatchOptions): DirWatch {
  const { dir, log } = o;
  let watcher: FSWatcher | null = null;
  let watchRoot: string | null = null;
  let waiting = false;
  const readyWaiters = new Set<() => void>();

  function waitReady(w: FSWatcher): Promise<void> {
    if (o.isClosed()) return Promise.resolve();
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
    if (o.isClosed()) return;
    let ancestor: Ancestor | null = null;
    if (waiting) {
      ancestor = await nearestAncestor(dir);
      if (o.isClosed()) return;
      log.info({ dir, watching: ancestor.root }, "log directory does not exist yet; watching its parent");
    }
    const { root, ignored } = planWatch(dir, ancestor, o.isFamilyName);
    const w = watch(root, {
      depth: 0,
      ignoreInitial: true,
      atomic: false,
      usePolling: o.usePolling,
      interval: o.pollIntervalMs,
      binaryInterval: o.pollIntervalMs,
      ignored,
    });
    w.on("all", (event, p) => {
      if (event === "change") o.request(false, p);
      else o.request(true);
    });
    w.on("error", (err) => {
      log.warn({ err, dir: root }, "log watcher error");
      o.request(true);
    });
    watcher = w;
    watchRoot = root;
    await waitReady(w);
  }

  return {
    get waiting() {
      return waiting;
    },
    markMissing() {
      waiting = true;
    },
    watch: rewatch,
    async lost() {
      if (waiting) return;
      log.info({ dir }, "log directory is gone; waiting for it to appear");
      waiting = true;
      await rewatch();
    },
    async awaitDirectory() {
      while (!o.isClosed()) {
        const st = await stat(dir).catch(() => null);
        if (st?.isDirectory()) {
          log.info({ dir }, "log directory appeared");
          waiting = false;
          await rewatch();
          return !o.isClosed();
        }
        // a directory on the way was created: watch from there, then look again (it may have grown meanwhile)
        if ((await nearestAncestor(dir)).root === watchRoot) return false;
        await rewatch();
      }
      return false;
    },
    releaseReadyWaits() {
      for (const done of [...readyWaiters]) done();
    },
    async close() {
      const w = watcher;
      watcher = null;
      if (w) await w.close();
    },
  };
}
