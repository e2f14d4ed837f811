// The log family's files, followed by inode; pure decisions: new file, rotation, reused inode, truncation.

import type { Stats } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import path from "node:path";
import type { Logger } from "../../common/log.js";
import { type LineCounters, LineSplitter } from "./line-splitter.js";
import type { LogLocation } from "./location.js";

/** Sorts family names oldest first (LogLocation.compareAge). */
export type CompareAge = LogLocation["compareAge"];

/** Logs a warning once per key: a file that cannot be read is reported, not on every event. */
export type WarnOnce = (key: string, obj: object, msg: string) => void;

/** One file of the family being followed. */
export interface Tracked {
  /** `dev:ino`: a file is followed by inode, whatever its name. */
  key: string;
  path: string;
  dev: number;
  ino: number;
  birthtimeMs: number;
  /** The bytes read so far, and the unfinished last line. */
  lines: LineSplitter;
  lastReadMs: number;
}

/** A family file found by a listing. */
export interface Listed {
  p: string;
  st: Stats;
}

export function keyOf(st: Pick<Stats, "dev" | "ino">): string {
  return `${st.dev}:${st.ino}`;
}

export function errCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * Whether the file found at `p` with a followed inode number is still the file followed as `was`: a known inode
 * showing up under a newer name, or born again, is a new file reusing the number.
 */
export function isSameFile(
  was: { path: string; birthtimeMs: number },
  p: string,
  found: { birthtimeMs: number },
  compareAge: CompareAge,
): boolean {
  if (was.birthtimeMs > 0 && found.birthtimeMs > 0 && was.birthtimeMs !== found.birthtimeMs) return false;
  if (p === was.path) return true;
  // rotation only renames towards older names (x.log -> x.1.log -> x.2.log)
  return compareAge(path.basename(p), path.basename(was.path)) < 0;
}

/** What a family scan does with a file it lists. */
export type ScanStep =
  /** An inode not followed yet (the next day's file, the one a rotation created): read it from the start. */
  | "new"
  /** A followed inode number now holds another file: forget the old one, read this one from the start. */
  | "replaced"
  /** The followed file under an older name (rotated): finish it there. */
  | "renamed"
  /** The followed file where it was. */
  | "same";

/** The scan step for a file listed at `p`, given what is followed under its inode (if anything). */
export function decideScanStep(
  followed: { path: string; birthtimeMs: number } | undefined,
  p: string,
  found: { birthtimeMs: number },
  compareAge: CompareAge,
): ScanStep {
  if (!followed) return "new";
  if (!isSameFile(followed, p, found, compareAge)) return "replaced";
  return followed.path === p ? "same" : "renamed";
}

/** What a followed path holds now, compared with where reading stopped in it. */
export type FileChange =
  /** Another inode: the file was rotated away or replaced; a family scan sorts it out. */
  | "replaced"
  /** The same inode, shorter than the offset: read it again from the start. */
  | "truncated"
  | "grown"
  | "unchanged";

/** Rotation or truncation: compares the followed file (inode key, offset) with what its path holds now. */
export function classifyChange(
  followed: { key: string; offset: number },
  found: { key: string; size: number },
): FileChange {
  if (found.key !== followed.key) return "replaced";
  if (found.size < followed.offset) return "truncated";
  return found.size > followed.offset ? "grown" : "unchanged";
}

export interface FollowedFilesOptions {
  location: Pick<LogLocation, "dir" | "isFamilyName" | "compareAge">;
  maxLineBytes: number;
  counters: LineCounters;
  log: Logger;
  warnOnce: WarnOnce;
}

/** The followed files of the family, by inode, in the order they began to be followed. */
export class FollowedFiles {
  readonly #byKey = new Map<string, Tracked>();
  readonly #o: FollowedFilesOptions;

  constructor(o: FollowedFilesOptions) {
    this.#o = o;
  }

  get size(): number {
    return this.#byKey.size;
  }

  all(): Tracked[] {
    return [...this.#byKey.values()];
  }

  byPath(p: string): Tracked | undefined {
    for (const t of this.#byKey.values()) if (t.path === p) return t;
    return undefined;
  }

  /** Follows the file `st` found at `p`, reading from `offset`. */
  track(p: string, st: Stats, offset: number): Tracked {
    const t: Tracked = {
      key: keyOf(st),
      path: p,
      dev: st.dev,
      ino: st.ino,
      birthtimeMs: st.birthtimeMs,
      lines: new LineSplitter(offset, this.#o.maxLineBytes, this.#o.counters),
      lastReadMs: 0,
    };
    this.#byKey.set(t.key, t);
    return t;
  }

  /** The family's files in the directory, oldest first; null when the directory does not exist. */
  async list(): Promise<Listed[] | null> {
    const { dir, isFamilyName, compareAge } = this.#o.location;
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (err) {
      if (errCode(err) === "ENOENT" || errCode(err) === "ENOTDIR") return null;
      this.#o.warnOnce(`readdir:${errCode(err)}`, { err, dir }, "cannot list the log directory");
      return [];
    }
    const out: Listed[] = [];
    for (const name of names.filter(isFamilyName).sort(compareAge)) {
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

  /**
   * Brings the followed set in line with a listing, oldest file first, and reads each file to its end: new files
   * from 0, rotated ones under their new name; files no longer listed are forgotten.
   */
  async scan(
    list: readonly Listed[],
    drain: (t: Tracked) => Promise<unknown>,
    isClosed: () => boolean,
  ): Promise<void> {
    const { log, location } = this.#o;
    const seen = new Set<string>();
    for (const { p, st } of list) {
      if (isClosed()) return;
      const key = keyOf(st);
      seen.add(key);
      let t = this.#byKey.get(key);
      const step = decideScanStep(t, p, st, location.compareAge);
      if (step === "replaced") this.#byKey.delete(key);
      if (!t || step === "new" || step === "replaced") {
        log.info({ file: p }, "new log file; reading it from the start");
        t = this.track(p, st, 0);
      } else if (step === "renamed") {
        log.info({ from: t.path, to: p }, "log file rotated; finishing it under its new name");
        t.path = p;
      }
      await drain(t);
    }
    for (const key of [...this.#byKey.keys()]) if (!seen.has(key)) this.#byKey.delete(key);
  }
}
