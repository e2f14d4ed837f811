// Writing the watchdog's own files atomically with private permissions. Replacing a file is the kept library
// write-file-atomic (temp file beside it, mode 0600, fsync, rename, temp removed on failure and on exit), plus
// what it leaves out: the folder is created private, a symlink at the target is refused instead of written
// through, and the folder is fsync'd so the rename survives a crash. writePrivateTemp stays for the exclusive
// create (link, never replace) of the watchdog's identity, which the library does not offer.

import { randomBytes } from "node:crypto";
import { chmod, lstat, mkdir, open, rm } from "node:fs/promises";
import path from "node:path";
import { redactor } from "./redact.js";

/** Creates `dir` (and parents) with mode 0700 if missing; tightens an existing one we own. */
export async function ensurePrivateDir(dir: string): Promise<void> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  await chmod(dir, 0o700);
}

/** Writes `data` to a new private temp file beside `file` and flushes it; returns its path. */
export async function writePrivateTemp(file: string, data: string | Buffer): Promise<string> {
  const dir = path.dirname(file);
  await ensurePrivateDir(dir);
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, "wx", 0o600);
  try {
    await handle.writeFile(data);
    await handle.sync();
  } catch (err) {
    await handle.close();
    await rm(tmp, { force: true });
    throw err;
  }
  await handle.close();
  return tmp;
}

/** fsyncs a folder, so a rename or link in it survives a crash. */
export async function syncDir(dir: string): Promise<void> {
  const d = await open(dir, "r");
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}

/** A symlink where the watchdog keeps its own file: refused, never followed (the library would write through it). */
async function refuseSymlink(file: string): Promise<void> {
  try {
    if ((await lstat(file)).isSymbolicLink())
      throw new Error(`${file} is a symbolic link; the watchdog writes its own files only as regular files`);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== "ENOENT") throw err;
  }
}

export interface AtomicWriteOptions {
  /** Create the folder 0700 and tighten it to 0700 (default); false: the folder must exist and is left as it is. */
  privateDir?: boolean;
}

/**
 * Replaces `file` with `data` so readers see the old or the new content, never a mix; mode 0600. Text passes
 * through the redactor's registered secrets first (the watchdog's state files never hold a secret).
 */
export async function writeFileAtomic(
  file: string,
  data: string | Buffer,
  o: AtomicWriteOptions = {},
): Promise<void> {
  const dir = path.dirname(file);
  if (o.privateDir !== false) await ensurePrivateDir(dir);
  await refuseSymlink(file);
  // loaded on first write, so commands that write nothing (check) never load it
  const { default: write } = await import("write-file-atomic");
  await write(file, typeof data === "string" ? redactor.redactKnown(data) : data, {
    mode: 0o600,
    fsync: true,
  });
  await syncDir(dir);
}
